using System.Net;
using GoChatAi.Tests.Infrastructure;

namespace GoChatAi.Tests.EndToEnd;

/// <summary>
/// A browser page of another origin (a web client on its own port) may call the REST API when its origin is allowed:
/// in Development, any page on this machine; elsewhere only the configured origins (none by default).
/// </summary>
[Collection(GoChatAiAppCollection.Name)]
public sealed class CrossOriginTests(GoChatAiAppFixture fixture)
{
    [Theory]
    [InlineData("authservice", "/v1/users/me")]
    [InlineData("chatservice", "/v1/chat/conversations")]
    public async Task A_page_on_this_machine_gets_its_preflight_answered_and_cached(string service, string path)
    {
        using var rest = fixture.CreateRestClient(service);
        using var preflight = new HttpRequestMessage(HttpMethod.Options, path);
        preflight.Headers.Add("Origin", "http://localhost:5173");
        preflight.Headers.Add("Access-Control-Request-Method", "GET");
        preflight.Headers.Add("Access-Control-Request-Headers", "authorization");

        using var response = await rest.SendAsync(preflight);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("http://localhost:5173", Single(response, "Access-Control-Allow-Origin"));
        Assert.Contains("authorization", Single(response, "Access-Control-Allow-Headers"), StringComparison.OrdinalIgnoreCase);
        Assert.Equal("600", Single(response, "Access-Control-Max-Age"));
        // Tokens travel in a header, never in cookies: a browser sends no credentials.
        Assert.False(response.Headers.Contains("Access-Control-Allow-Credentials"));
    }

    [Fact]
    public async Task A_page_of_any_other_origin_is_not_allowed_and_its_call_still_needs_a_token()
    {
        using var rest = fixture.CreateRestClient("chatservice");
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/v1/chat/conversations");
        preflight.Headers.Add("Origin", "https://elsewhere.example");
        preflight.Headers.Add("Access-Control-Request-Method", "GET");
        using var refused = await rest.SendAsync(preflight);
        Assert.False(refused.Headers.Contains("Access-Control-Allow-Origin"));

        using var call = new HttpRequestMessage(HttpMethod.Get, "/v1/chat/conversations");
        call.Headers.Add("Origin", "https://elsewhere.example");
        using var answered = await rest.SendAsync(call);
        Assert.Equal(HttpStatusCode.Unauthorized, answered.StatusCode);
        Assert.False(answered.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task An_allowed_page_reads_the_answer_and_its_retry_hint()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        using var rest = user.Rest();
        using var call = new HttpRequestMessage(HttpMethod.Get, "/v1/chat/conversations");
        call.Headers.Add("Origin", "http://127.0.0.1:3000");

        using var response = await rest.SendAsync(call);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("http://127.0.0.1:3000", Single(response, "Access-Control-Allow-Origin"));
        Assert.Contains("Retry-After", Single(response, "Access-Control-Expose-Headers"), StringComparison.OrdinalIgnoreCase);
    }

    private static string Single(HttpResponseMessage response, string header) =>
        Assert.Single(response.Headers.GetValues(header));
}
