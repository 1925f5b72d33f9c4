using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using GoChatAi.Contracts.Auth.V1;
using GoChatAi.Tests.Infrastructure;

namespace GoChatAi.Tests.EndToEnd;

/// <summary>
/// Malformed and hostile requests over REST: each gets a 4xx in the API's error shape, nothing is stored, nothing
/// internal leaks, and the service goes on serving.
/// </summary>
[Collection(GoChatAiAppCollection.Name)]
public sealed class AuthHostileInputTests(GoChatAiAppFixture fixture)
{
    private static readonly string Long = new('x', 10_000);
    private const string Good = TestAccounts.Password;

    public static TheoryData<string, string, string, int> Requests => new()
    {
        // name, method+path, body, expected status
        { "empty object", "POST /v1/auth/signup", "{}", 400 },
        { "blank name", "POST /v1/auth/signup", Body("   ", "a@example.com", Good), 400 },
        { "10,000-character name", "POST /v1/auth/signup", Body(Long, "a@example.com", Good), 400 },
        { "NUL in the name", "POST /v1/auth/signup", Body("a\u0000b", "a@example.com", Good), 400 },
        { "bell in the name", "POST /v1/auth/signup", Body("ding\u0007", "a@example.com", Good), 400 },
        { "10,000-character email", "POST /v1/auth/signup", Body("Ann", Long + "@example.com", Good), 400 },
        { "SQL injection as email", "POST /v1/auth/signup", Body("Ann", "' OR 1=1 --", Good), 400 },
        { "SQL injection in the local part", "POST /v1/auth/signup", Body("Ann", "x'; DROP TABLE users; --@example.com", Good), 400 },
        { "homoglyph email", "POST /v1/auth/signup", Body("Ann", "pаypal@example.com", Good), 400 },
        { "header injection in the email", "POST /v1/auth/signup", Body("Ann", "a@example.com\r\nBcc: b@example.com", Good), 400 },
        { "short password", "POST /v1/auth/signup", Body("Ann", "a@example.com", "short"), 400 },
        { "10,000-character password", "POST /v1/auth/signup", Body("Ann", "a@example.com", Long), 400 },
        { "name of the wrong JSON type", "POST /v1/auth/signup", """{"name":123,"email":"a@example.com","password":"a long enough test password"}""", 400 },
        { "email of the wrong JSON type", "POST /v1/auth/signup", """{"name":"Ann","email":true,"password":"a long enough test password"}""", 400 },
        { "password as an object", "POST /v1/auth/signup", """{"name":"Ann","email":"a@example.com","password":{"a":1}}""", 400 },
        { "name as an array", "POST /v1/auth/signup", """{"name":["Ann"],"email":"a@example.com","password":"a long enough test password"}""", 400 },
        { "not JSON at all", "POST /v1/auth/signup", "{{{", 400 },
        { "a JSON array", "POST /v1/auth/signup", "[]", 400 },
        { "blank sign-in email", "POST /v1/auth/signin", """{"email":" ","password":"whatever it is here"}""", 400 },
        { "10,000-character sign-in password", "POST /v1/auth/signin", $$"""{"email":"a@example.com","password":"{{Long}}"}""", 400 },
        { "empty refresh token", "POST /v1/auth/refresh", """{"refresh_token":""}""", 400 },
        { "10,000-character refresh token", "POST /v1/auth/refresh", $$"""{"refresh_token":"{{Long}}"}""", 400 },
        { "NUL in a refresh token", "POST /v1/auth/refresh", """{"refresh_token":"abc\u0000def"}""", 400 },
        { "empty token to validate", "POST /v1/auth/validate", """{"token":""}""", 400 },
        { "10,000-character token to revoke", "POST /v1/auth/revoke", $$"""{"token":"{{Long}}"}""", 400 },
        { "negative page", "GET /v1/users?page=-1", "", 400 },
        { "huge limit", "GET /v1/users?limit=1000000", "", 400 },
        { "page that is not a number", "GET /v1/users?page=abc", "", 400 },
        { "user id that is not a UUID", "GET /v1/users/not-a-uuid", "", 400 },
        { "SQL injection as a user id", "GET /v1/users/'%3B%20DROP%20TABLE%20users%3B--", "", 400 },
        { "10,000-character new name", "PATCH /v1/users/{me}", $$"""{"name":"{{Long}}"}""", 400 },
        { "new password without the current one", "PATCH /v1/users/{me}", """{"new_password":"an entirely new long password"}""", 400 },
        { "wrong method on sign-in", "PUT /v1/auth/signin", "{}", 405 },
        { "an unknown field", "POST /v1/auth/signup", """{"name":"Ann","email":"unknown-field@example.com","password":"a long enough test password","roles":["admin"]}""", 400 },
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public async Task A_hostile_request_gets_a_clear_4xx_and_stores_nothing(string name, string route, string body, int expected)
    {
        var admin = await new TestAccounts(fixture).SignInAdminAsync();
        var usersBefore = await CountUsersAsync(admin.Tokens.AccessToken);
        using var rest = fixture.CreateRestClient("authservice");
        rest.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", admin.Tokens.AccessToken);
        var (method, path) = (route.Split(' ')[0], route.Split(' ')[1].Replace("{me}", admin.User.Id, StringComparison.Ordinal));

        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body.Length > 0)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var response = await rest.SendAsync(request);

        Assert.True((int)response.StatusCode == expected, $"{name}: answered {(int)response.StatusCode}, expected {expected}");
        await AssertErrorShapeAsync(response);
        Assert.Equal(usersBefore, await CountUsersAsync(admin.Tokens.AccessToken));
    }

    [Fact]
    public async Task Invalid_utf8_is_refused()
    {
        using var rest = fixture.CreateRestClient("authservice");
        var bytes = Encoding.UTF8.GetBytes("""{"name":"Ann","email":"a@example.com","password":"a long enough test password"}""");
        bytes[10] = 0xC3; // a lead byte followed by ASCII: not UTF-8
        bytes[11] = 0x28;
        using var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        using var response = await rest.PostAsync("/v1/auth/signup", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_refused_as_unsupported()
    {
        using var rest = fixture.CreateRestClient("authservice");

        using var response = await rest.PostAsync("/v1/auth/signin", new StringContent("email=a@example.com", Encoding.UTF8, "application/x-www-form-urlencoded"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        await AssertErrorShapeAsync(response);
    }

    [Fact]
    public async Task An_oversized_body_is_refused_before_it_is_read_whole()
    {
        using var rest = fixture.CreateRestClient("authservice");
        var huge = $$"""{"name":"{{new string('x', 2 * 1024 * 1024)}}","email":"a@example.com","password":"a long enough test password"}""";

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/auth/signup")
        {
            Content = new StringContent(huge, Encoding.UTF8, "application/json"),
        };
        // The client waits for the server's word before sending the body, as a careful client does.
        request.Headers.ExpectContinue = true;

        using var response = await rest.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Field_violations_name_every_bad_field()
    {
        using var rest = fixture.CreateRestClient("authservice");

        using var response = await rest.PostAsync("/v1/auth/signup",
            new StringContent(Body("", "not-an-email", "short"), Encoding.UTF8, "application/json"));

        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var fields = error.RootElement.GetProperty("details")[0].GetProperty("fieldViolations").EnumerateArray()
            .Select(v => v.GetProperty("field").GetString()).ToList();
        Assert.Equal(["name", "email", "password"], fields);
    }

    private static string Body(string name, string email, string password) =>
        JsonSerializer.Serialize(new { name, email, password });

    private async Task<int> CountUsersAsync(string adminToken) =>
        (await new TestAccounts(fixture).Users.ListUsersAsync(new ListUsersRequest { Limit = 1 }, TestAccounts.Bearer(adminToken))).TotalCount;

    private static async Task AssertErrorShapeAsync(HttpResponseMessage response)
    {
        if (response.StatusCode == HttpStatusCode.MethodNotAllowed)
        {
            return;
        }

        var text = await response.Content.ReadAsStringAsync();
        using var error = JsonDocument.Parse(text);
        Assert.True(error.RootElement.TryGetProperty("code", out _), text);
        Assert.True(error.RootElement.TryGetProperty("message", out _), text);
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Npgsql", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", text, StringComparison.Ordinal);
    }
}
