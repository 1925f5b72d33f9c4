using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
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

    [Fact]
    public async Task Guessing_the_current_password_is_throttled_like_a_sign_in_and_each_wrong_guess_is_a_security_event()
    {
        var signUp = await new TestAccounts(fixture).SignUpAsync();
        var userId = Guid.Parse(signUp.User.Id);
        using var rest = fixture.CreateRestClient("authservice");
        rest.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", signUp.Tokens.AccessToken);
        const int maxFailuresPerAccount = 5;

        for (var i = 0; i < maxFailuresPerAccount; i++)
        {
            using var wrong = await ChangePasswordAsync(rest, userId, $"wrong password number {i}");
            Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
            var error = await wrong.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("current_password", error.GetProperty("details")[0].GetProperty("fieldViolations")[0].GetProperty("field").GetString());
        }

        // Past the limit even the right password is refused, with the wait.
        using var throttled = await ChangePasswordAsync(rest, userId, TestAccounts.Password);
        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.True(throttled.Headers.RetryAfter?.Delta > TimeSpan.Zero, "a throttled attempt says how long to wait");
        Assert.Equal(8, (await throttled.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetInt32());

        Assert.Equal(maxFailuresPerAccount, await CountSecurityEventsAsync(userId, "password_change_failed"));
        Assert.Equal(1, await CountSecurityEventsAsync(userId, "password_change_throttled"));
        Assert.Equal(0, await CountSecurityEventsAsync(userId, "password_changed"));
    }

    private static async Task<HttpResponseMessage> SignInAsync(HttpClient rest, string email, string password, string clientAddress)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/auth/signin") { Content = JsonContent.Create(new { email, password }) };
        request.Headers.Add("X-Forwarded-For", clientAddress);
        return await rest.SendAsync(request);
    }

    private static Task<HttpResponseMessage> ChangePasswordAsync(HttpClient rest, Guid userId, string currentPassword) =>
        rest.PatchAsJsonAsync($"/v1/users/{userId}", new { current_password = currentPassword, new_password = "an entirely new test password" });

    private Task<long> CountSecurityEventsAsync(Guid userId, string type) =>
        ServiceDatabase.CountAsync(fixture, "authdb",
            "SELECT count(*) FROM security_events WHERE \"UserId\" = @id AND \"Type\" = @type", ("id", userId), ("type", type));
}
