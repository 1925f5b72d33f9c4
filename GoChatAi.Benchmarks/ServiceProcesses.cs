using System.Globalization;

namespace GoChatAi.Benchmarks;

/// <summary>
/// A service's own ports, behind the AppHost's proxy: read from the environment Aspire gives the service's process
/// (<c>Kestrel__Endpoints__{name}__Url</c>), and kept only if the service answers there from this machine (another
/// stack, in another network namespace, has processes of the same name).
/// </summary>
public static class ServiceProcesses
{
    public static async Task<(Uri Http, Uri Grpc)?> FindDirectAsync(string processName, CancellationToken cancellationToken)
    {
        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        foreach (var environment in Environments(processName))
        {
            if (Port(environment, "http") is not { } rest || Port(environment, "grpc") is not { } grpc)
            {
                continue;
            }

            var restUri = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://localhost:{rest}/"));
            try
            {
                using var response = await probe.GetAsync(new Uri(restUri, "health/live"), cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return (restUri, new Uri(string.Create(CultureInfo.InvariantCulture, $"http://localhost:{grpc}/")));
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                // Not in this network namespace, or not up.
            }
        }

        return null;
    }

    private static IEnumerable<Dictionary<string, string>> Environments(string processName)
    {
        if (!Directory.Exists("/proc"))
        {
            yield break;
        }

        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            Dictionary<string, string>? environment = null;
            try
            {
                if (File.ReadAllText(Path.Combine(directory, "comm")).Trim() == processName[..Math.Min(15, processName.Length)])
                {
                    environment = File.ReadAllText(Path.Combine(directory, "environ"))
                        .Split('\0', StringSplitOptions.RemoveEmptyEntries)
                        .Select(entry => entry.Split('=', 2))
                        .Where(pair => pair.Length == 2)
                        .GroupBy(pair => pair[0])
                        .ToDictionary(group => group.Key, group => group.First()[1]);
                }
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                // Gone, or not ours to read.
            }

            if (environment is not null)
            {
                yield return environment;
            }
        }
    }

    private static int? Port(Dictionary<string, string> environment, string endpoint) =>
        environment.TryGetValue($"Kestrel__Endpoints__{endpoint}__Url", out var url)
        && int.TryParse(url[(url.LastIndexOf(':') + 1)..].TrimEnd('/'), CultureInfo.InvariantCulture, out var port)
            ? port
            : null;
}
