using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using GoChatAi.Tests.Infrastructure;

namespace GoChatAi.Tests.EndToEnd;

/// <summary>
/// Request bodies exactly as the Go system's clients send them (snake_case names, SendMessage's <c>message</c>,
/// SignOut's and RevokeToken's <c>access_token</c>), over REST: accepted where the README's migration table says
/// so, and refused with 400 naming the field, writing nothing, where they say two different things.
/// </summary>
[Collection(GoChatAiAppCollection.Name)]
public sealed class GoSystemRequestTests(GoChatAiAppFixture fixture)
{
    [Fact]
    public async Task A_go_clients_chat_requests_work_as_they_are()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        using var rest = user.Rest();

        using var create = await rest.PostAsync("/v1/chat/conversations", RestJson.Json("""{"title":"My Chat"}"""));
        Assert.Equal(HttpStatusCode.OK, create.StatusCode);
        var conversationId = (string)(await create.ReadObjectAsync())["id"]!;

        using var send = await rest.PostAsync("/v1/chat/message", RestJson.Json($$"""{"message":"Hello!","conversation_id":"{{conversationId}}"}"""));
        var sent = await ReadOkAsync(send);
        Assert.Equal("Hello!", (string)sent["content"]!);
        // Requests may be snake_case; responses are lowerCamelCase.
        Assert.Equal(conversationId, (string)sent["conversationId"]!);
        Assert.False(sent.ContainsKey("conversation_id"));

        using var ask = await rest.PostAsync("/v1/chat/ai", RestJson.Json(
            $$"""{"message":"Tell me a joke","conversation_id":"{{conversationId}}","temperature":0.7,"max_tokens":100}"""));
        var answered = await ReadOkAsync(ask);
        Assert.Equal(conversationId, (string)answered["conversationId"]!);
        Assert.False(string.IsNullOrEmpty((string?)answered["assistantMessage"]!["content"]));

        using var list = await rest.GetAsync("/v1/chat/conversations?limit=10&offset=0");
        Assert.Equal(conversationId, (string)(await ReadOkAsync(list))["conversations"]![0]!["id"]!);

        using var history = await rest.GetAsync($"/v1/chat/history/{conversationId}?limit=50&offset=0");
        var messages = (await ReadOkAsync(history))["messages"]!.AsArray();
        Assert.Equal(["Hello!", "Tell me a joke"], messages.Where(m => (string)m!["role"]! == "ROLE_USER").Select(m => (string)m!["content"]!));
    }

    [Fact]
    public async Task Send_message_with_content_and_a_different_message_is_refused_naming_message_and_stores_nothing()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        var conversation = await user.CreateConversationAsync("Two texts");
        using var rest = user.Rest();
        var before = await user.CountStoredAsync();

        using var response = await rest.PostAsync("/v1/chat/message", RestJson.Json(
            $$"""{"conversation_id":"{{conversation.Id}}","content":"one text","message":"another text"}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(["message"], await ViolatedFieldsAsync(response));
        Assert.Equal(before, await user.CountStoredAsync());

        // The same text under both names is one message.
        using var same = await rest.PostAsync("/v1/chat/message", RestJson.Json(
            $$"""{"conversationId":"{{conversation.Id}}","content":"one text","message":"one text"}"""));
        Assert.Equal("one text", (string)(await ReadOkAsync(same))["content"]!);
        Assert.Equal((1, 1), await user.CountStoredAsync());
    }

    [Fact]
    public async Task A_go_clients_auth_requests_work_as_they_are()
    {
        using var rest = fixture.CreateRestClient("authservice");
        var email = TestAccounts.NewEmail();

        var signUp = await PostOkAsync(rest, "/v1/auth/signup", $$"""{"name":"Go Client","email":"{{email}}","password":"{{TestAccounts.Password}}"}""");
        var signIn = await PostOkAsync(rest, "/v1/auth/signin", $$"""{"email":"{{email}}","password":"{{TestAccounts.Password}}"}""");
        var refreshed = await PostOkAsync(rest, "/v1/auth/refresh", $$"""{"refresh_token":"{{Token(signIn, "refreshToken")}}"}""");
        var access = Token(refreshed, "accessToken");
        Assert.True(await IsValidAsync(rest, access));

        // RevokeToken as the Go system's clients sent it: the token in the body, and in the header its middleware required.
        var revoked = Token(signUp, "accessToken");
        using var revoke = new HttpRequestMessage(HttpMethod.Post, "/v1/auth/revoke") { Content = RestJson.Json($$"""{"access_token":"{{revoked}}"}""") };
        revoke.Headers.Authorization = new AuthenticationHeaderValue("Bearer", revoked);
        using var revokedResponse = await rest.SendAsync(revoke);
        await ReadOkAsync(revokedResponse);
        Assert.False(await IsValidAsync(rest, revoked));

        // SignOut as the Go system's clients sent it: the token in the header and in the body.
        using var signOut = new HttpRequestMessage(HttpMethod.Post, "/v1/auth/signout") { Content = RestJson.Json($$"""{"access_token":"{{access}}"}""") };
        signOut.Headers.Authorization = new AuthenticationHeaderValue("Bearer", access);
        using var signedOut = await rest.SendAsync(signOut);
        Assert.Equal(HttpStatusCode.OK, signedOut.StatusCode);
        Assert.False(await IsValidAsync(rest, access));
    }

    [Fact]
    public async Task A_go_system_password_under_15_characters_is_refused_at_sign_up_naming_password()
    {
        using var rest = fixture.CreateRestClient("authservice");

        // The Go system's README example: 11 characters, under the minimum of 15.
        using var response = await rest.PostAsync("/v1/auth/signup", RestJson.Json(
            $$"""{"name":"John Doe","email":"{{TestAccounts.NewEmail()}}","password":"password123"}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(["password"], await ViolatedFieldsAsync(response));
    }

    [Fact]
    public async Task Sign_out_naming_another_access_token_is_refused_naming_access_token_and_revokes_nothing()
    {
        var accounts = new TestAccounts(fixture);
        var caller = (await accounts.SignUpAsync()).Tokens.AccessToken;
        var other = (await accounts.SignUpAsync()).Tokens.AccessToken;
        using var rest = fixture.CreateRestClient("authservice");

        using var signOut = new HttpRequestMessage(HttpMethod.Post, "/v1/auth/signout") { Content = RestJson.Json($$"""{"access_token":"{{other}}"}""") };
        signOut.Headers.Authorization = new AuthenticationHeaderValue("Bearer", caller);
        using var response = await rest.SendAsync(signOut);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(["access_token"], await ViolatedFieldsAsync(response));
        Assert.True(await IsValidAsync(rest, caller));
        Assert.True(await IsValidAsync(rest, other));
    }

    [Fact]
    public async Task Revoke_with_token_and_a_different_access_token_is_refused_naming_access_token_and_revokes_nothing()
    {
        var accounts = new TestAccounts(fixture);
        var first = (await accounts.SignUpAsync()).Tokens.AccessToken;
        var second = (await accounts.SignUpAsync()).Tokens.AccessToken;
        using var rest = fixture.CreateRestClient("authservice");

        using var response = await rest.PostAsync("/v1/auth/revoke", RestJson.Json($$"""{"token":"{{first}}","access_token":"{{second}}"}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(["access_token"], await ViolatedFieldsAsync(response));
        Assert.True(await IsValidAsync(rest, first));
        Assert.True(await IsValidAsync(rest, second));
    }

    private static string Token(JsonObject response, string name) => (string)response["tokens"]![name]!;

    private static async Task<bool> IsValidAsync(HttpClient rest, string accessToken) =>
        (bool)(await PostOkAsync(rest, "/v1/auth/validate", $$"""{"token":"{{accessToken}}"}"""))["valid"]!;

    private static async Task<JsonObject> PostOkAsync(HttpClient rest, string path, string body)
    {
        using var response = await rest.PostAsync(path, RestJson.Json(body));
        return await ReadOkAsync(response);
    }

    private static async Task<JsonObject> ReadOkAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.RequestMessage?.RequestUri?.PathAndQuery}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    private static async Task<string[]> ViolatedFieldsAsync(HttpResponseMessage response)
    {
        var error = await response.ReadObjectAsync();
        Assert.Equal(3, (int)error["code"]!);
        return [.. error["details"]![0]!["fieldViolations"]!.AsArray().Select(v => (string)v!["field"]!)];
    }
}
