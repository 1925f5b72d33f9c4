using System.Net;

namespace GoChatAi.Tests.Infrastructure;

/// <summary>Waits, with a deadline, for an endpoint to answer a status: readiness changes take a moment.</summary>
public static class HttpPolling
{
    public static async Task UntilStatusAsync(HttpClient client, string path, HttpStatusCode expected)
    {
        using var deadline = new CancellationTokenSource(GoChatAiAppFixture.StepTimeout);
        HttpStatusCode? last = null;
        while (!deadline.IsCancellationRequested)
        {
            try
            {
                using var response = await client.GetAsync(path, deadline.Token);
                last = response.StatusCode;
                if (last == expected)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening (yet, or any more).
                last = null;
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                break;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), CancellationToken.None);
        }

        Assert.Fail($"{path} answered {last?.ToString() ?? "nothing"} instead of {expected} before the deadline.");
    }
}
