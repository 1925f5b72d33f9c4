// Seed and DeveloperChatMessage are marked experimental in the OpenAI SDK; they are what clients send, so they are tested.
#pragma warning disable OPENAI001
extern alias chatservice;

using System.ClientModel;
using chatservice::GoChatAi.ChatService.Infrastructure.Redis;
using System.Text;
using GoChatAi.Contracts.Auth.V1;
using GoChatAi.Tests.Infrastructure;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Models;
using StackExchange.Redis;

namespace GoChatAi.Tests.EndToEnd;

/// <summary>
/// The OpenAI-compatible API, driven by the official OpenAI .NET SDK pointed at the ChatService, as any program
/// that uses GoChatAi through it would: answers, streams, models, errors, limits and the ledger, keys and tokens.
/// </summary>
[Collection(GoChatAiAppCollection.Name)]
public sealed class OpenAiApiTests(GoChatAiAppFixture fixture)
{
    private const string Model = "stand-in";

    private readonly TestAccounts _accounts = new(fixture);
    private readonly ApiKeyService.ApiKeyServiceClient _apiKeys = new(fixture.CreateGrpcChannel("authservice"));

    [Fact]
    public async Task A_completion_answers_with_usage_and_the_caller_s_limits_and_is_in_the_ledger_with_its_key()
    {
        var (key, keyId) = await NewKeyAsync();

        var result = await Client(key).CompleteChatAsync([new SystemChatMessage("Be brief."), new UserChatMessage("Hello over the OpenAI API")]);

        var completion = result.Value;
        Assert.Contains("Hello over the OpenAI API", completion.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal(Model, completion.Model);
        Assert.StartsWith("chatcmpl-", completion.Id);
        Assert.True(completion.Usage.InputTokenCount > 0 && completion.Usage.OutputTokenCount > 0);
        var headers = result.GetRawResponse().Headers;
        Assert.True(headers.TryGetValue("x-ratelimit-limit-requests", out var limit) && int.Parse(limit!, System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.True(headers.TryGetValue("x-ratelimit-remaining-tokens", out _));
        Assert.True(headers.TryGetValue("x-ratelimit-reset-requests", out var reset) && reset!.EndsWith('s'));
        Assert.Equal(completion.Usage.OutputTokenCount, await ServiceDatabase.CountAsync(fixture, "chatdb",
            "SELECT coalesce(sum(\"CompletionTokens\"), 0) FROM usage_ledger WHERE \"ApiKeyId\" = @key AND \"ConversationId\" IS NULL",
            ("key", keyId)));
    }

    [Fact]
    public async Task A_streamed_completion_comes_in_pieces_and_ends_with_the_usage()
    {
        var (key, _) = await NewKeyAsync();

        var text = new StringBuilder();
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;
        var updates = 0;
        await foreach (var update in Client(key).CompleteChatStreamingAsync([new UserChatMessage("Stream this [[devmodel: tokens=12]]")]))
        {
            updates++;
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            finish = update.FinishReason ?? finish;
            usage = update.Usage ?? usage;
        }

        Assert.True(updates >= 12, $"{updates} updates");
        Assert.Equal(12, text.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal(ChatFinishReason.Stop, finish);
        Assert.Equal(12, usage?.OutputTokenCount);
    }

    [Fact]
    public async Task The_models_are_listed_as_openai_lists_them()
    {
        var (key, _) = await NewKeyAsync();
        var models = new OpenAIModelClient(new ApiKeyCredential(key), Options());

        var listed = (await models.GetModelsAsync()).Value;
        var one = (await models.GetModelAsync(Model)).Value;
        var missing = await Assert.ThrowsAsync<ClientResultException>(() => models.GetModelAsync("no-such-model"));

        Assert.Contains(listed, m => m.Id == Model);
        Assert.Equal(("gochatai", Model), (one.OwnedBy, one.Id));
        Assert.Equal(404, missing.Status);
    }

    [Fact]
    public async Task Errors_come_in_openai_s_shape_and_status()
    {
        var (key, _) = await NewKeyAsync();

        var badKey = await Assert.ThrowsAsync<ClientResultException>(() =>
            Client("gca_" + new string('x', 43)).CompleteChatAsync([new UserChatMessage("hi")]));
        var unknownModel = await Assert.ThrowsAsync<ClientResultException>(() =>
            new ChatClient("no-such-model", new ApiKeyCredential(key), Options()).CompleteChatAsync([new UserChatMessage("hi")]));
        var tooMany = await Assert.ThrowsAsync<ClientResultException>(() =>
            Client(key).CompleteChatAsync([new UserChatMessage("hi")], new ChatCompletionOptions { MaxOutputTokenCount = 1_000_000 }));
        var tooLong = await Assert.ThrowsAsync<ClientResultException>(() =>
            new ChatClient("stand-in-small", new ApiKeyCredential(key), Options()).CompleteChatAsync([new UserChatMessage(string.Join(' ', Enumerable.Repeat("overflowing", 2000)))]));

        Assert.Equal(401, badKey.Status);
        Assert.Contains("\"code\":\"invalid_api_key\"", Body(badKey));
        Assert.Equal(404, unknownModel.Status);
        Assert.Contains("\"code\":\"model_not_found\"", Body(unknownModel));
        Assert.Equal(400, tooMany.Status);
        Assert.Contains("\"param\":\"max_completion_tokens\"", Body(tooMany));
        Assert.Equal(400, tooLong.Status);
        Assert.Contains("\"code\":\"context_length_exceeded\"", Body(tooLong));
    }

    [Fact]
    public async Task With_store_the_exchange_is_a_titled_conversation_in_the_user_s_history_and_without_it_nothing_is_kept()
    {
        var signUp = await _accounts.SignUpAsync();
        var key = (await _apiKeys.CreateApiKeyAsync(new CreateApiKeyRequest { Name = "store" }, TestAccounts.Bearer(signUp.Tokens))).Secret;
        var user = new ChatUser(fixture, signUp.Tokens.AccessToken, Guid.Parse(signUp.User.Id), signUp.User.Email);

        await Client(key).CompleteChatAsync([new UserChatMessage("Not to be kept")]);
        var kept = (await Client(key).CompleteChatAsync(
            [new SystemChatMessage("Be kind."), new UserChatMessage("Earlier question"), new AssistantChatMessage("Earlier answer"), new UserChatMessage("Keep this exchange")],
            new ChatCompletionOptions { StoredOutputEnabled = true })).Value;

        var conversation = Assert.Single((await user.Grpc.ListConversationsAsync(new Contracts.Chat.V1.ListConversationsRequest(), user.Options())).Conversations);
        Assert.Equal(("Be kind.", Model, 4), (conversation.SystemPrompt, conversation.Model, conversation.MessageCount));
        var history = await user.HistoryAsync(conversation.Id);
        Assert.Equal(["Earlier question", "Earlier answer", "Keep this exchange", kept.Content[0].Text], history.Select(m => m.Content));
        Assert.Equal(kept.Usage.OutputTokenCount, history[^1].Usage.CompletionTokens);

        using var deadline = new CancellationTokenSource(ChatUser.CallTimeout);
        while ((await user.Grpc.GetConversationAsync(new Contracts.Chat.V1.GetConversationRequest { ConversationId = conversation.Id }, user.Options())).Title.Length == 0)
        {
            await Task.Delay(100, deadline.Token);
        }

        // A streamed exchange is stored by the time its [DONE] has come.
        var streamed = new StringBuilder();
        await foreach (var update in Client(key).CompleteChatStreamingAsync([new UserChatMessage("Keep this stream")], new ChatCompletionOptions { StoredOutputEnabled = true }))
        {
            streamed.Append(string.Concat(update.ContentUpdate.Select(p => p.Text)));
        }

        var newest = (await user.Grpc.ListConversationsAsync(new Contracts.Chat.V1.ListConversationsRequest(), user.Options())).Conversations[0];
        Assert.NotEqual(conversation.Id, newest.Id);
        Assert.Equal(["Keep this stream", streamed.ToString()], (await user.HistoryAsync(newest.Id)).Select(m => m.Content));
    }

    [Fact]
    public async Task A_spent_quota_and_a_provider_that_is_down_get_openai_s_429_and_503()
    {
        var signUp = await _accounts.SignUpAsync();
        var key = (await _apiKeys.CreateApiKeyAsync(new CreateApiKeyRequest { Name = "spender" }, TestAccounts.Bearer(signUp.Tokens))).Secret;
        var (other, _) = await NewKeyAsync();
        // The day's tokens spent at once (the count the service checks before every answer), as in ChatQuotaTests.
        var redis = await ConnectionMultiplexer.ConnectAsync(await fixture.App.GetConnectionStringAsync("cache") ?? "");
        await using (redis)
        {
            await redis.GetDatabase().StringIncrementAsync(UsageLimiter.TokensKey(Guid.Parse(signUp.User.Id), DateTimeOffset.UtcNow), 1_000_000);
        }

        var quota = await Assert.ThrowsAsync<ClientResultException>(() => Client(key).CompleteChatAsync([new UserChatMessage("one more")]));
        var down = await Assert.ThrowsAsync<ClientResultException>(() =>
            Client(other).CompleteChatAsync([new UserChatMessage($"hello {DevModelJournal.Directive("fail=503x3", out _)}")]));

        Assert.Equal(429, quota.Status);
        Assert.Contains("\"code\":\"insufficient_quota\"", Body(quota));
        Assert.True(quota.GetRawResponse()!.Headers.TryGetValue("retry-after", out var wait) && int.Parse(wait!, System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.Equal(503, down.Status);
        Assert.Contains("\"type\":\"server_error\"", Body(down));
    }

    [Fact]
    public async Task Past_the_per_minute_limit_a_caller_gets_429_rate_limit_exceeded_after_the_headers_counted_down()
    {
        var (key, _) = await NewKeyAsync();
        var client = Client(key);
        var remaining = new List<int>();

        // 60 a minute by default, in fixed one-minute windows: 130 in a row put more than 60 into one of them.
        ClientResultException? refused = null;
        for (var i = 0; i < 130 && refused is null; i++)
        {
            try
            {
                var answer = await client.CompleteChatAsync([new UserChatMessage("quick [[devmodel: tokens=1]]")]);
                remaining.Add(int.Parse(answer.GetRawResponse().Headers.TryGetValue("x-ratelimit-remaining-requests", out var left) ? left! : "-1", System.Globalization.CultureInfo.InvariantCulture));
            }
            catch (ClientResultException exception)
            {
                refused = exception;
            }
        }

        Assert.NotNull(refused);
        Assert.Equal(429, refused.Status);
        Assert.Contains("\"code\":\"rate_limit_exceeded\"", Body(refused));
        Assert.True(refused.GetRawResponse()!.Headers.TryGetValue("retry-after", out var wait) && int.Parse(wait!, System.Globalization.CultureInfo.InvariantCulture) is > 0 and <= 60);
        Assert.Contains(0, remaining);
        Assert.Contains(remaining.Zip(remaining.Skip(1)), pair => pair.First == pair.Second + 1);
    }

    [Fact]
    public async Task An_access_token_works_too_and_a_revoked_key_does_not()
    {
        var signUp = await _accounts.SignUpAsync();
        var created = await _apiKeys.CreateApiKeyAsync(new CreateApiKeyRequest { Name = "to revoke" }, TestAccounts.Bearer(signUp.Tokens));
        await Client(created.Secret).CompleteChatAsync([new UserChatMessage("before")]);

        var withToken = await Client(signUp.Tokens.AccessToken).CompleteChatAsync([new UserChatMessage("with a token")]);
        await _apiKeys.RevokeApiKeyAsync(new RevokeApiKeyRequest { Id = created.ApiKey.Id }, TestAccounts.Bearer(signUp.Tokens));
        var revoked = await Assert.ThrowsAsync<ClientResultException>(() => Client(created.Secret).CompleteChatAsync([new UserChatMessage("after")]));

        Assert.Contains("with a token", withToken.Value.Content[0].Text);
        Assert.Equal(401, revoked.Status);
    }

    [Fact]
    public async Task A_caller_that_goes_away_mid_stream_stops_the_model()
    {
        var (key, _) = await NewKeyAsync();
        var directive = DevModelJournal.Directive("tokens=200; slow=100ms", out var journalKey);
        using var gone = new CancellationTokenSource();

        var read = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in Client(key).CompleteChatStreamingAsync([new UserChatMessage($"A long answer {directive}")], cancellationToken: gone.Token))
            {
                if (update.ContentUpdate.Count > 0 && ++read == 3)
                {
                    await gone.CancelAsync();
                }
            }
        });

        var request = await DevModelJournal.WaitUntilEndedAsync(fixture, journalKey);
        Assert.True((bool)request["clientAborted"]!, "the ChatService closed its request to the model");
        Assert.True((int)request["contentDeltas"]! < 200);
    }

    [Fact]
    public async Task A_tool_call_goes_out_and_its_result_comes_back_and_the_model_sees_every_role_and_parameter()
    {
        var (key, _) = await NewKeyAsync();
        var directive = DevModelJournal.Directive("", out var journalKey);
        var weather = ChatTool.CreateFunctionTool("get_weather", "The weather in a city",
            BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}"""));
        var options = new ChatCompletionOptions { Tools = { weather }, ToolChoice = ChatToolChoice.CreateAutoChoice(), Temperature = 0.2f, Seed = 7, EndUserId = "end-user-7" };
        List<ChatMessage> messages = [new DeveloperChatMessage("Use tools."), new UserChatMessage($"Rome weather {directive}")];

        var called = (await Client(key).CompleteChatAsync(messages, options)).Value;

        Assert.Equal(ChatFinishReason.ToolCalls, called.FinishReason);
        var call = Assert.Single(called.ToolCalls);
        Assert.Equal("get_weather", call.FunctionName);
        using (var arguments = System.Text.Json.JsonDocument.Parse(call.FunctionArguments))
        {
            Assert.Equal(System.Text.Json.JsonValueKind.String, arguments.RootElement.GetProperty("city").ValueKind);
        }

        var asked = Assert.Single(await DevModelJournal.RequestsAsync(fixture, journalKey));
        Assert.Equal(["developer", "user"], asked["messages"]!.AsArray().Select(m => (string)m!["role"]!));
        Assert.Equal(["get_weather"], asked["tools"]!.AsArray().Select(t => (string)t!));
        Assert.Equal((7L, "end-user-7"), ((long)asked["seed"]!, (string)asked["user"]!));

        messages.Add(new AssistantChatMessage(called.ToolCalls));
        messages.Add(new ToolChatMessage(call.Id, """{"sky":"clear"}"""));
        var answered = (await Client(key).CompleteChatAsync(messages, options)).Value;

        Assert.Equal(ChatFinishReason.Stop, answered.FinishReason);
        Assert.Contains("get_weather", answered.Content[0].Text);
        Assert.Contains("clear", answered.Content[0].Text);
    }

    [Fact]
    public async Task A_streamed_tool_call_comes_as_indexed_argument_deltas_that_add_up()
    {
        var (key, _) = await NewKeyAsync();
        var lookup = ChatTool.CreateFunctionTool("look_up", "Finds a word",
            BinaryData.FromString("""{"type":"object","properties":{"word":{"type":"string"},"limit":{"type":"integer"}},"required":["word","limit"]}"""));

        var (name, arguments, updates) = ("", new StringBuilder(), 0);
        ChatFinishReason? finish = null;
        await foreach (var update in Client(key).CompleteChatStreamingAsync([new UserChatMessage("Look up serendipity")], new ChatCompletionOptions { Tools = { lookup } }))
        {
            foreach (var part in update.ToolCallUpdates)
            {
                Assert.Equal(0, part.Index);
                name = part.FunctionName ?? name;
                arguments.Append(part.FunctionArgumentsUpdate?.ToString());
                updates++;
            }

            finish = update.FinishReason ?? finish;
        }

        Assert.Equal("look_up", name);
        Assert.True(updates > 1, "the arguments came in pieces");
        using var parsed = System.Text.Json.JsonDocument.Parse(arguments.ToString());
        Assert.True(parsed.RootElement.GetProperty("limit").TryGetInt32(out _), "limit is an integer, as its schema says");
        Assert.Equal(System.Text.Json.JsonValueKind.String, parsed.RootElement.GetProperty("word").ValueKind);
        Assert.Equal(ChatFinishReason.ToolCalls, finish);
    }

    [Fact]
    public async Task Json_mode_and_a_json_schema_get_json_answers()
    {
        var (key, _) = await NewKeyAsync();
        var schema = BinaryData.FromString("""{"type":"object","properties":{"title":{"type":"string"},"score":{"type":"integer"}},"required":["title","score"],"additionalProperties":false}""");

        var json = (await Client(key).CompleteChatAsync([new UserChatMessage("Answer in json please")],
            new ChatCompletionOptions { ResponseFormat = ChatResponseFormat.CreateJsonObjectFormat() })).Value;
        var shaped = (await Client(key).CompleteChatAsync([new UserChatMessage("Rate this")],
            new ChatCompletionOptions { ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat("rating", schema, jsonSchemaIsStrict: true) })).Value;

        using var answer = System.Text.Json.JsonDocument.Parse(json.Content[0].Text);
        Assert.Equal(System.Text.Json.JsonValueKind.Object, answer.RootElement.ValueKind);
        using var rating = System.Text.Json.JsonDocument.Parse(shaped.Content[0].Text);
        Assert.Equal(System.Text.Json.JsonValueKind.String, rating.RootElement.GetProperty("title").ValueKind);
        Assert.Equal(System.Text.Json.JsonValueKind.Number, rating.RootElement.GetProperty("score").ValueKind);
    }

    [Theory]
    [InlineData("""{"model":"stand-in","messages":[{"role":"user","content":null}]}""", "messages[0].content")]
    [InlineData("""{"model":"stand-in","messages":[{"role":"user","content":"hi"}],"logit_bias":{"50256":-100}}""", "logit_bias")]
    [InlineData("""{"model":"stand-in","messages":[{"role":"user","content":"hi"}],"made_up":1}""", "made_up")]
    public async Task A_request_the_endpoint_cannot_honour_gets_a_400_naming_the_parameter(string body, string param)
    {
        var (key, _) = await NewKeyAsync();
        using var http = fixture.CreateRestClient("chatservice");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/openai/v1/chat/completions")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);

        using var response = await http.SendAsync(request);

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        using var error = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(param, error.RootElement.GetProperty("error").GetProperty("param").GetString());
        Assert.Equal("invalid_request_error", error.RootElement.GetProperty("error").GetProperty("type").GetString());
    }

    private async Task<(string Secret, Guid Id)> NewKeyAsync()
    {
        var signUp = await _accounts.SignUpAsync();
        var created = await _apiKeys.CreateApiKeyAsync(new CreateApiKeyRequest { Name = "openai sdk" }, TestAccounts.Bearer(signUp.Tokens));
        return (created.Secret, Guid.Parse(created.ApiKey.Id));
    }

    private ChatClient Client(string credential) => new(Model, new ApiKeyCredential(credential), Options());

    private OpenAIClientOptions Options() => new()
    {
        Endpoint = new Uri(fixture.App.GetEndpoint("chatservice", "http"), "/openai/v1"),
        // The SDK's own retries would hide the first answer of each error.
        RetryPolicy = new System.ClientModel.Primitives.ClientRetryPolicy(0),
        NetworkTimeout = ChatUser.CallTimeout,
    };

    private static string Body(ClientResultException exception) => exception.GetRawResponse()!.Content.ToString();
}
