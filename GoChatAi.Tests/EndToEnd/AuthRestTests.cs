using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using GoChatAi.Tests.Infrastructure;

namespace GoChatAi.Tests.EndToEnd;

/// <summary>Every AuthService RPC over REST (JSON transcoding), as a browser or curl would call it.</summary>
[Collection(GoChatAiAppCollection.Name)]
public sealed class AuthRestTests(GoChatAiAppFixture fixture)
{
    [Fact]
    public async Task A_whole_account_lifecycle_over_rest()
    {
        using var rest = fixture.CreateRestClient("authservice");
        var email = TestAccounts.NewEmail();

        var signUp = await PostAsync(rest, "/v1/auth/signup", new { name = "Rest", email, password = TestAccounts.Password });
        var userId = signUp.GetProperty("user").GetProperty("id").GetString()!;
        var refreshed = await PostAsync(rest, "/v1/auth/refresh", new { refresh_token = Token(signUp, "refreshToken") });
        var access = Token(refreshed, "accessToken");

        var validation = await PostAsync(rest, "/v1/auth/validate", new { token = access });
        Assert.True(validation.GetProperty("valid").GetBoolean());
        Assert.Equal(userId, validation.GetProperty("userId").GetString());

        rest.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", access);
        Assert.Equal(email, (await rest.GetFromJsonAsync<JsonElement>("/v1/users/me")).GetProperty("email").GetString());
        Assert.Equal(userId, (await rest.GetFromJsonAsync<JsonElement>($"/v1/users/{userId}")).GetProperty("id").GetString());

        using var patch = await rest.PatchAsJsonAsync($"/v1/users/{userId}", new { name = "Renamed over REST" });
        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        Assert.Equal("Renamed over REST", (await patch.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("name").GetString());

        // A second session, signed out over REST; then the account deleted over REST.
        var second = await PostAsync(rest, "/v1/auth/signin", new { email, password = TestAccounts.Password });
        // Every field of a sign-out is optional, so it needs no body at all (as curl -XPOST sends it).
        using (var signOut = new HttpRequestMessage(HttpMethod.Post, "/v1/auth/signout"))
        {
            signOut.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token(second, "accessToken"));
            Assert.Equal(HttpStatusCode.OK, (await rest.SendAsync(signOut)).StatusCode);
        }

        Assert.False((await PostAsync(rest, "/v1/auth/validate", new { token = Token(second, "accessToken") })).GetProperty("valid").GetBoolean());
        await PostAsync(rest, "/v1/auth/revoke", new { token = Token(second, "refreshToken"), token_type_hint = "TOKEN_TYPE_HINT_REFRESH_TOKEN" });

        using var delete = await rest.DeleteAsync($"/v1/users/{userId}");
        Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
        using var afterDelete = await rest.GetAsync("/v1/users/me");
        Assert.Equal(HttpStatusCode.Unauthorized, afterDelete.StatusCode);
    }

    [Fact]
    public async Task A_call_without_a_token_gets_401_in_the_api_error_shape()
    {
        using var rest = fixture.CreateRestClient("authservice");

        using var response = await rest.GetAsync("/v1/users/me");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var error = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(16, error.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Every_error_has_one_shape_whoever_answers_it()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        using var anonymous = fixture.CreateRestClient("chatservice");
        using var rest = user.Rest();

        // Authentication (middleware), a use case (through JSON transcoding) and the body checks (middleware).
        using var unauthenticated = await anonymous.GetAsync("/v1/chat/conversations");
        using var notFound = await rest.GetAsync($"/v1/chat/conversations/{Guid.CreateVersion7()}");
        using var invalid = await rest.PostAsync("/v1/chat/conversations", RestJson.Json(new { title = 5 }));

        foreach (var (response, status) in new[] { (unauthenticated, HttpStatusCode.Unauthorized), (notFound, HttpStatusCode.NotFound), (invalid, HttpStatusCode.BadRequest) })
        {
            Assert.Equal(status, response.StatusCode);
            var error = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(["code", "message", "details"], error.EnumerateObject().Select(p => p.Name));
            Assert.Equal(JsonValueKind.Array, error.GetProperty("details").ValueKind);
        }
    }

    private static string Token(JsonElement response, string name) =>
        response.GetProperty("tokens").GetProperty(name).GetString()!;

    private static async Task<JsonElement> PostAsync(HttpClient rest, string path, object body)
    {
        using var response = await rest.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
