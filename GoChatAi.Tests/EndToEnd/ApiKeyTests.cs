using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using GoChatAi.Contracts.Auth.V1;
using GoChatAi.Contracts.Chat.V1;
using GoChatAi.Tests.Infrastructure;
using Grpc.Core;

namespace GoChatAi.Tests.EndToEnd;

/// <summary>
/// Personal API keys end to end: made at the AuthService, acting for their user at the ChatService (gRPC and REST),
/// refused everywhere else, and dead at once when revoked, expired, or their user deleted.
/// </summary>
[Collection(GoChatAiAppCollection.Name)]
public sealed class ApiKeyTests(GoChatAiAppFixture fixture)
{
    // A documentation address (RFC 5737) that no other test uses: its bad keys must not throttle anyone else.
    private const string Stranger = "203.0.113.21";
    private const int MaxFailuresPerClient = 50;

    private readonly TestAccounts _accounts = new(fixture);
    private readonly ApiKeyService.ApiKeyServiceClient _apiKeys = new(fixture.CreateGrpcChannel("authservice"));

    [Fact]
    public async Task A_key_acts_for_its_user_at_the_chat_service_over_grpc_and_rest_and_is_listed_without_its_secret()
    {
        var owner = await _accounts.SignUpAsync();
        var session = TestAccounts.Bearer(owner.Tokens);
        var created = await _apiKeys.CreateApiKeyAsync(new CreateApiKeyRequest { Name = "  laptop scripts ", ExpiresInDays = 30 }, session);

        Assert.StartsWith("gca_", created.Secret);
        Assert.Equal(47, created.Secret.Length);
        Assert.Equal(created.Secret[..12], created.ApiKey.Prefix);
        Assert.Equal("laptop scripts", created.ApiKey.Name);
        Assert.Equal(TimeSpan.FromDays(30), created.ApiKey.ExpiresAt.ToDateTimeOffset() - created.ApiKey.CreatedAt.ToDateTimeOffset());
        Assert.Null(created.ApiKey.LastUsedAt);

        var viaKey = new ChatUser(fixture, created.Secret, Guid.Parse(owner.User.Id), owner.User.Email);
        var conversation = await viaKey.CreateConversationAsync("made with a key");
        var listed = await new ChatUser(fixture, owner.Tokens.AccessToken, Guid.Parse(owner.User.Id), owner.User.Email)
            .Grpc.ListConversationsAsync(new ListConversationsRequest(), TestAccounts.Bearer(owner.Tokens));
        Assert.Contains(listed.Conversations, c => c.Id == conversation.Id);

        using var rest = viaKey.Rest();
        using var overRest = await rest.GetAsync($"/v1/chat/conversations/{conversation.Id}");
        Assert.Equal(HttpStatusCode.OK, overRest.StatusCode);

        var keys = await _apiKeys.ListApiKeysAsync(new ListApiKeysRequest(), session);
        var key = Assert.Single(keys.ApiKeys);
        Assert.Equal(created.ApiKey.Id, key.Id);
        Assert.NotNull(key.LastUsedAt);
        Assert.DoesNotContain(created.Secret, keys.ToString());
        var stored = await ServiceDatabase.CountAsync(fixture, "authdb",
            "SELECT count(*) FROM api_keys WHERE \"Id\" = @id AND \"SecretHash\" = sha256(convert_to(@secret, 'UTF8'))",
            ("id", Guid.Parse(key.Id)), ("secret", created.Secret));
        Assert.Equal(1, stored);
    }

    [Fact]
    public async Task An_answer_asked_for_with_a_key_is_in_the_usage_ledger_with_that_key()
    {
        var owner = await _accounts.SignUpAsync();
        var created = await _apiKeys.CreateApiKeyAsync(new CreateApiKeyRequest { Name = "ledger" }, TestAccounts.Bearer(owner.Tokens));
        var viaKey = new ChatUser(fixture, created.Secret, Guid.Parse(owner.User.Id), owner.User.Email);

        var answered = await viaKey.Grpc.ChatWithAIAsync(new ChatWithAIRequest { Message = "Count this against my key [[devmodel: tokens=4]]" }, viaKey.Options());

        Assert.Equal(answered.Usage.TotalTokens, await ServiceDatabase.CountAsync(fixture, "chatdb",
            "SELECT coalesce(sum(\"PromptTokens\" + \"CompletionTokens\"), 0) FROM usage_ledger WHERE \"ApiKeyId\" = @key AND \"ConversationId\" = @conversation",
            ("key", Guid.Parse(created.ApiKey.Id)), ("conversation", Guid.Parse(answered.ConversationId))));
    }

    [Fact]
    public async Task Keys_are_made_listed_and_revoked_over_rest()
    {
        var owner = await _accounts.SignUpAsync();
        using var rest = fixture.CreateRestClient("authservice");
        rest.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", owner.Tokens.AccessToken);

        using var created = await rest.PostAsJsonAsync("/v1/auth/api-keys", new { name = "ci" });
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        var id = body.GetProperty("apiKey").GetProperty("id").GetString();
        var expiresIn = body.GetProperty("apiKey").GetProperty("expiresAt").GetDateTimeOffset() - body.GetProperty("apiKey").GetProperty("createdAt").GetDateTimeOffset();
        Assert.Equal(TimeSpan.FromDays(90), expiresIn);

        var listed = await rest.GetFromJsonAsync<JsonElement>("/v1/auth/api-keys");
        Assert.Equal(id, listed.GetProperty("apiKeys")[0].GetProperty("id").GetString());

        using var revoked = await rest.DeleteAsync($"/v1/auth/api-keys/{id}");
        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        using var again = await rest.DeleteAsync($"/v1/auth/api-keys/{id}");
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        var after = await rest.GetFromJsonAsync<JsonElement>("/v1/auth/api-keys");
        Assert.Equal(0, after.GetProperty("apiKeys").GetArrayLength());

        using var badName = await rest.PostAsJsonAsync("/v1/auth/api-keys", new { name = " ", expiresInDays = 400 });
        Assert.Equal(HttpStatusCode.BadRequest, badName.StatusCode);
        var fields = (await badName.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("details")[0].GetProperty("fieldViolations")
            .EnumerateArray().Select(v => v.GetProperty("field").GetString()).ToList();
        Assert.Equal(["name", "expires_in_days"], fields);
    }

    [Fact]
    public async Task A_key_never_reaches_the_account_the_keys_or_the_user_admin()
    {
        var owner = await _accounts.SignUpAsync();
        var created = await _apiKeys.CreateApiKeyAsync(new CreateApiKeyRequest { Name = "agent" }, TestAccounts.Bearer(owner.Tokens));
        var exchanged = await _apiKeys.ExchangeApiKeyAsync(new ExchangeApiKeyRequest { ApiKey = created.Secret });
        Assert.Equal(created.ApiKey.Id, exchanged.ApiKeyId);

        // The key itself is no access token for the AuthService.
        var asKey = await Assert.ThrowsAsync<RpcException>(() =>
            _accounts.Users.GetMeAsync(new GetMeRequest(), TestAccounts.Bearer(created.Secret)).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, asKey.StatusCode);

        // The token it acts with is refused by every authenticated RPC there.
        var keyToken = TestAccounts.Bearer(exchanged.AccessToken);
        var userId = owner.User.Id;
        Func<Task>[] refused =
        [
            () => _accounts.Users.GetMeAsync(new GetMeRequest(), keyToken).ResponseAsync,
            () => _accounts.Users.UpdateUserAsync(new UpdateUserRequest { Id = userId, CurrentPassword = TestAccounts.Password, NewPassword = "another long enough password" }, keyToken).ResponseAsync,
            () => _accounts.Users.DeleteUserAsync(new DeleteUserRequest { Id = userId }, keyToken).ResponseAsync,
            () => _accounts.Users.ListUsersAsync(new ListUsersRequest(), keyToken).ResponseAsync,
            () => _accounts.Auth.SignOutAsync(new SignOutRequest { AllSessions = true }, keyToken).ResponseAsync,
            () => _apiKeys.CreateApiKeyAsync(new CreateApiKeyRequest { Name = "another" }, keyToken).ResponseAsync,
            () => _apiKeys.ListApiKeysAsync(new ListApiKeysRequest(), keyToken).ResponseAsync,
            () => _apiKeys.RevokeApiKeyAsync(new RevokeApiKeyRequest { Id = created.ApiKey.Id }, keyToken).ResponseAsync,
        ];
        foreach (var call in refused)
        {
            var denied = await Assert.ThrowsAsync<RpcException>(call);
            Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
            Assert.Contains("API key", denied.Status.Detail);
        }

        // Nothing happened: the session still works, and the key is still there.
        var me = await _accounts.Users.GetMeAsync(new GetMeRequest(), TestAccounts.Bearer(owner.Tokens));
        Assert.Equal(userId, me.Id);
        Assert.Single((await _apiKeys.ListApiKeysAsync(new ListApiKeysRequest(), TestAccounts.Bearer(owner.Tokens))).ApiKeys);
    }

    [Fact]
    public async Task A_revoked_key_is_refused_at_once_even_where_its_token_was_kept()
    {
        var owner = await _accounts.SignUpAsync();
        var session = TestAccounts.Bearer(owner.Tokens);
        var created = await _apiKeys.CreateApiKeyAsync(new CreateApiKeyRequest { Name = "to revoke" }, session);
        var viaKey = new ChatUser(fixture, created.Secret, Guid.Parse(owner.User.Id), owner.User.Email);
        await viaKey.Grpc.ListModelsAsync(new ListModelsRequest(), viaKey.Options());

        await _apiKeys.RevokeApiKeyAsync(new RevokeApiKeyRequest { Id = created.ApiKey.Id }, session);

        var refused = await Assert.ThrowsAsync<RpcException>(() => viaKey.Grpc.ListModelsAsync(new ListModelsRequest(), viaKey.Options()).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        var exchange = await Assert.ThrowsAsync<RpcException>(() =>
            _apiKeys.ExchangeApiKeyAsync(new ExchangeApiKeyRequest { ApiKey = created.Secret }).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, exchange.StatusCode);
    }

    [Fact]
    public async Task An_expired_key_is_refused()
    {
        var owner = await _accounts.SignUpAsync();
        var created = await _apiKeys.CreateApiKeyAsync(new CreateApiKeyRequest { Name = "short-lived", ExpiresInDays = 1 }, TestAccounts.Bearer(owner.Tokens));
        await using (var connection = await ServiceDatabase.OpenAsync(fixture, "authdb"))
        {
            await using var expire = new Npgsql.NpgsqlCommand("UPDATE api_keys SET \"ExpiresAt\" = now() - interval '1 second' WHERE \"Id\" = @id", connection);
            expire.Parameters.AddWithValue("id", Guid.Parse(created.ApiKey.Id));
            Assert.Equal(1, await expire.ExecuteNonQueryAsync());
        }

        var viaKey = new ChatUser(fixture, created.Secret, Guid.Parse(owner.User.Id), owner.User.Email);
        var refused = await Assert.ThrowsAsync<RpcException>(() => viaKey.Grpc.ListModelsAsync(new ListModelsRequest(), viaKey.Options()).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        Assert.Empty((await _apiKeys.ListApiKeysAsync(new ListApiKeysRequest(), TestAccounts.Bearer(owner.Tokens))).ApiKeys);
    }

    [Fact]
    public async Task A_key_dies_with_its_user()
    {
        var owner = await _accounts.SignUpAsync();
        var created = await _apiKeys.CreateApiKeyAsync(new CreateApiKeyRequest { Name = "orphan" }, TestAccounts.Bearer(owner.Tokens));
        var viaKey = new ChatUser(fixture, created.Secret, Guid.Parse(owner.User.Id), owner.User.Email);
        await viaKey.Grpc.ListModelsAsync(new ListModelsRequest(), viaKey.Options());

        await _accounts.Users.DeleteUserAsync(new DeleteUserRequest { Id = owner.User.Id }, TestAccounts.Bearer(owner.Tokens));

        var refused = await Assert.ThrowsAsync<RpcException>(() => viaKey.Grpc.ListModelsAsync(new ListModelsRequest(), viaKey.Options()).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        Assert.Equal(0, await ServiceDatabase.CountAsync(fixture, "authdb", "SELECT count(*) FROM api_keys WHERE \"UserId\" = @id", ("id", Guid.Parse(owner.User.Id))));
    }

    [Fact]
    public async Task Fifty_bad_keys_from_one_client_throttle_that_client_even_with_a_good_key()
    {
        var owner = await _accounts.SignUpAsync();
        var created = await _apiKeys.CreateApiKeyAsync(new CreateApiKeyRequest { Name = "good" }, TestAccounts.Bearer(owner.Tokens));
        using var rest = fixture.CreateRestClient("chatservice");

        for (var i = 0; i < MaxFailuresPerClient; i++)
        {
            using var bad = await ListModelsAsync(rest, $"gca_not-a-key-{i}-{Guid.NewGuid():N}", Stranger);
            Assert.Equal(HttpStatusCode.Unauthorized, bad.StatusCode);
        }

        using var throttled = await ListModelsAsync(rest, created.Secret, Stranger);
        using var elsewhere = await ListModelsAsync(rest, created.Secret, "203.0.113.22");

        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.True(throttled.Headers.RetryAfter?.Delta > TimeSpan.Zero, "a throttled client is told how long to wait");
        Assert.Equal(HttpStatusCode.OK, elsewhere.StatusCode);
    }

    private static async Task<HttpResponseMessage> ListModelsAsync(HttpClient rest, string apiKey, string clientAddress)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        request.Headers.Add("X-Forwarded-For", clientAddress);
        return await rest.SendAsync(request);
    }
}
