using System.Net;
using System.Net.Http.Json;
using GoChatAi.Tests.Infrastructure;

namespace GoChatAi.Tests.EndToEnd;

/// <summary>
/// Password guessing is throttled per account and per client, where the client is the address the trusted proxy in
/// front of the service forwards (here the AppHost's own proxy, on loopback), not the proxy's: one stranger's
/// failures must not lock everyone else out.
/// </summary>
[Collection(GoChatAiAppCollection.Name)]
public sealed class AuthThrottleTests(GoChatAiAppFixture fixture)
{
    // Documentation addresses (RFC 5737) that no other test uses.
    private const string Stranger = "203.0.113.7";
    private const string OtherClient = "203.0.113.8";
    private const int MaxFailuresPerClient = 50;

    [Fact]
    public async Task Fifty_failures_from_one_forwarded_client_throttle_that_client_and_no_other()
    {
        using var rest = fixture.CreateRestClient("authservice");
        var accounts = new TestAccounts(fixture);
        var (strangersOwn, someoneElses) = (TestAccounts.NewEmail(), TestAccounts.NewEmail());
        await accounts.SignUpAsync(strangersOwn);
        await accounts.SignUpAsync(someoneElses);

        // Unknown emails, each tried once: only the address's count can fill up.
        for (var i = 0; i < MaxFailuresPerClient; i++)
        {
            using var failure = await SignInAsync(rest, TestAccounts.NewEmail(), $"wrong password number {i}", Stranger);
            Assert.Equal(HttpStatusCode.Unauthorized, failure.StatusCode);
        }

        using var throttled = await SignInAsync(rest, strangersOwn, TestAccounts.Password, Stranger);
        using var other = await SignInAsync(rest, someoneElses, TestAccounts.Password, OtherClient);

        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.True(throttled.Headers.RetryAfter?.Delta > TimeSpan.Zero, "a throttled sign-in says how long to wait");
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    private static async Task<HttpResponseMessage> SignInAsync(HttpClient rest, string email, string password, string clientAddress)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/auth/signin") { Content = JsonContent.Create(new { email, password }) };
        request.Headers.Add("X-Forwarded-For", clientAddress);
        return await rest.SendAsync(request);
    }
}
