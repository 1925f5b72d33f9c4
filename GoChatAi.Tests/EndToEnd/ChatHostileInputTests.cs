using System.Net;
using System.Net.Http.Headers;
using System.Text;
using GoChatAi.Contracts.Chat.V1;
using GoChatAi.Tests.Infrastructure;
using Grpc.Core;

namespace GoChatAi.Tests.EndToEnd;

/// <summary>Malformed and hostile requests: each is answered 4xx with the REST error shape, and nothing is stored.</summary>
[Collection(GoChatAiAppCollection.Name)]
public sealed class ChatHostileInputTests(GoChatAiAppFixture fixture)
{
    private const string Own = "{own}";
    private const string Foreign = "{foreign}";

    /// <summary>method, path, JSON body (null: none), the expected status.</summary>
    private static readonly (string Method, string Path, string? Body, HttpStatusCode Expected)[] s_cases =
    [
        // Conversation ids: foreign, unknown, malformed.
        ("GET", $"/v1/chat/conversations/{Foreign}", null, HttpStatusCode.NotFound),
        ("GET", $"/v1/chat/conversations/{Guid.Empty}", null, HttpStatusCode.NotFound),
        ("GET", "/v1/chat/conversations/not-a-uuid", null, HttpStatusCode.BadRequest),
        ("GET", "/v1/chat/conversations/1%27%20OR%20%271%27=%271", null, HttpStatusCode.BadRequest),
        ("GET", $"/v1/chat/history/{Foreign}", null, HttpStatusCode.NotFound),
        ("GET", "/v1/chat/history/%20", null, HttpStatusCode.BadRequest),
        ("DELETE", $"/v1/chat/conversations/{Foreign}", null, HttpStatusCode.NotFound),
        ("PATCH", $"/v1/chat/conversations/{Foreign}", """{"title":"stolen"}""", HttpStatusCode.NotFound),
        ("POST", "/v1/chat/message", $$"""{"conversationId":"{{Foreign}}","content":"hi"}""", HttpStatusCode.NotFound),
        ("POST", "/v1/chat/ai", $$"""{"conversationId":"{{Foreign}}","message":"hi"}""", HttpStatusCode.NotFound),
        ("POST", "/v1/chat/ai", """{"conversationId":"../../etc/passwd","message":"hi"}""", HttpStatusCode.BadRequest),
        ("POST", "/v1/chat/generations/not-a-uuid:cancel", null, HttpStatusCode.BadRequest),
        ("POST", $"/v1/chat/generations/{Guid.NewGuid()}:cancel", null, HttpStatusCode.NotFound),
        // Messages: empty, blank, huge, control characters.
        ("POST", "/v1/chat/message", $$"""{"conversationId":"{{Own}}","content":""}""", HttpStatusCode.BadRequest),
        ("POST", "/v1/chat/message", $$"""{"conversationId":"{{Own}}","content":"   \n\t  "}""", HttpStatusCode.BadRequest),
        ("POST", "/v1/chat/message", $$"""{"conversationId":"{{Own}}","content":"{{new string('x', 32_001)}}"}""", HttpStatusCode.BadRequest),
        ("POST", "/v1/chat/message", $$"""{"conversationId":"{{Own}}","content":"nul \u0000 inside"}""", HttpStatusCode.BadRequest),
        ("POST", "/v1/chat/message", $$"""{"conversationId":"{{Own}}","content":"bell \u0007 and escape \u001b[31m"}""", HttpStatusCode.BadRequest),
        ("POST", "/v1/chat/message", $$"""{"conversationId":"{{Own}}","content":"lone surrogate \ud800"}""", HttpStatusCode.BadRequest),
        ("POST", "/v1/chat/message", $$"""{"conversationId":"{{Own}}","content":12345}""", HttpStatusCode.BadRequest),
        ("POST", "/v1/chat/message", $$"""{"conversationId":"{{Own}}","content":"x","unknownField":1}""", HttpStatusCode.BadRequest),
        ("POST", "/v1/chat/message", "{not json", HttpStatusCode.BadRequest),
        ("POST", "/v1/chat/ai", """{"message":""}""", HttpStatusCode.BadRequest),
        ("POST", "/v1/chat/ai", $$"""{"message":"{{new string('y', 40_000)}}"}""", HttpStatusCode.BadRequest),
        // Model settings out of range.
        ("POST", "/v1/chat/ai", """{"message":"hi","temperature":2.5}""", HttpStatusCode.BadRequest),
        ("POST", "/v1/chat/ai", """{"message":"hi","temperature":-0.1}""", HttpStatusCode.BadRequest),
        ("POST", "/v1/chat/ai", """{"message":"hi","temperature":"NaN"}""", HttpStatusCode.BadRequest),
        ("POST", "/v1/chat/ai", """{"message":"hi","maxTokens":0}""", HttpStatusCode.BadRequest),
        ("POST", "/v1/chat/ai", """{"message":"hi","maxTokens":-5}""", HttpStatusCode.BadRequest),
        ("POST", "/v1/chat/ai", """{"message":"hi","maxTokens":2049}""", HttpStatusCode.BadRequest),
        ("POST", "/v1/chat/ai", """{"message":"hi","model":"stand-in-small","maxTokens":257}""", HttpStatusCode.BadRequest),
        ("POST", "/v1/chat/ai", """{"message":"hi","model":"gpt-5-ultra"}""", HttpStatusCode.BadRequest),
        ("POST", "/v1/chat/ai", """{"message":"hi","model":"stand-in'; DROP TABLE conversations; --"}""", HttpStatusCode.BadRequest),
        ("POST", "/v1/chat/ai/stream", """{"message":"hi","model":"unknown"}""", HttpStatusCode.BadRequest),
        ("POST", "/v1/chat/ai/stream", """{"message":"hi","maxTokens":"many"}""", HttpStatusCode.BadRequest),
        // Conversations' own fields.
        ("POST", "/v1/chat/conversations", """{"title":"   "}""", HttpStatusCode.BadRequest),
        ("POST", "/v1/chat/conversations", $$"""{"title":"{{new string('t', 201)}}"}""", HttpStatusCode.BadRequest),
        ("POST", "/v1/chat/conversations", """{"title":"tab\tin title"}""", HttpStatusCode.BadRequest),
        ("POST", "/v1/chat/conversations", $$"""{"systemPrompt":"{{new string('s', 16_001)}}"}""", HttpStatusCode.BadRequest),
        ("POST", "/v1/chat/conversations", """{"model":""}""", HttpStatusCode.BadRequest),
        ("PATCH", $"/v1/chat/conversations/{Own}", "{}", HttpStatusCode.BadRequest),
        ("PATCH", $"/v1/chat/conversations/{Own}", """{"model":"nope"}""", HttpStatusCode.BadRequest),
        // Paging.
        ("GET", "/v1/chat/conversations?limit=0", null, HttpStatusCode.BadRequest),
        ("GET", "/v1/chat/conversations?limit=101", null, HttpStatusCode.BadRequest),
        ("GET", "/v1/chat/conversations?offset=-1", null, HttpStatusCode.BadRequest),
        ("GET", "/v1/chat/conversations?offset=99999999999", null, HttpStatusCode.BadRequest),
        ("GET", $"/v1/chat/history/{Own}?limit=-3", null, HttpStatusCode.BadRequest),
        ("GET", $"/v1/chat/history/{Own}?offset=2000000", null, HttpStatusCode.BadRequest),
        ("GET", $"/v1/chat/history/{Own}?pageToken=bm90LWEtdG9rZW4", null, HttpStatusCode.BadRequest),
        ("GET", $"/v1/chat/history/{Own}?pageToken=%3Cscript%3E", null, HttpStatusCode.BadRequest),
        // Usage.
        ("GET", "/v1/usage?startDate=2026-13-01", null, HttpStatusCode.BadRequest),
        ("GET", "/v1/usage?startDate=2026-02-01&endDate=2026-01-01", null, HttpStatusCode.BadRequest),
        ("GET", "/v1/usage?startDate=2020-01-01&endDate=2026-01-01", null, HttpStatusCode.BadRequest),
        ("GET", "/v1/usage?conversationId=abc", null, HttpStatusCode.BadRequest),
        ("GET", "/v1/usage?endDate=0001-01-01", null, HttpStatusCode.BadRequest),
        ("GET", "/v1/usage?startDate=0001-01-01&endDate=0001-01-02", null, HttpStatusCode.BadRequest),
        // Values the transcoder cannot read, and a field given twice: each named, never a parser's own words.
        ("GET", "/v1/chat/conversations?limit=abc", null, HttpStatusCode.BadRequest),
        ("GET", "/v1/chat/conversations?limit=1.5", null, HttpStatusCode.BadRequest),
        ("POST", "/v1/chat/ai", """{"message":"hi","maxTokens":99999999999}""", HttpStatusCode.BadRequest),
        ("POST", "/v1/chat/message", $$"""{"conversationId":"{{Own}}","content":"first","content":"second"}""", HttpStatusCode.BadRequest),
        ("POST", "/v1/chat/message", $$"""{"conversationId":"{{Own}}","content":"snake","conversation_id":"{{Own}}"}""", HttpStatusCode.BadRequest),
        ("POST", "/v1/chat/ai/stream", """{"message":"first","message":"second"}""", HttpStatusCode.BadRequest),
        ("POST", "/v1/chat/ai/stream", "[1,2]", HttpStatusCode.BadRequest),
    ];

    [Fact]
    public async Task Every_hostile_input_is_refused_with_a_4xx_and_nothing_is_stored()
    {
        Assert.True(s_cases.Length >= 30);
        var user = await ChatUser.SignUpAsync(fixture);
        var stranger = await ChatUser.SignUpAsync(fixture);
        var own = await user.CreateConversationAsync("mine");
        await user.Grpc.SendMessageAsync(new SendMessageRequest { ConversationId = own.Id, Content = "kept" }, user.Options());
        var foreign = await stranger.CreateConversationAsync("theirs");
        var before = await user.CountStoredAsync();
        var strangerBefore = await stranger.CountStoredAsync();
        using var rest = user.Rest();

        var failures = new List<string>();
        foreach (var (method, pathTemplate, bodyTemplate, expected) in s_cases)
        {
            var path = pathTemplate.Replace(Own, own.Id, StringComparison.Ordinal).Replace(Foreign, foreign.Id, StringComparison.Ordinal);
            var body = bodyTemplate?.Replace(Own, own.Id, StringComparison.Ordinal).Replace(Foreign, foreign.Id, StringComparison.Ordinal);
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (body is not null)
            {
                request.Content = new StringContent(body, Encoding.UTF8, "application/json");
            }

            using var response = await rest.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != expected)
            {
                failures.Add($"{method} {pathTemplate} {Shorten(bodyTemplate)}: {(int)response.StatusCode} {Shorten(text)}");
            }
            else if (!text.Contains("\"code\"", StringComparison.Ordinal) || text.Contains("Exception", StringComparison.Ordinal) || text.Contains("Npgsql", StringComparison.Ordinal))
            {
                failures.Add($"{method} {pathTemplate}: not the error shape, or internals: {Shorten(text)}");
            }
            else if (expected == HttpStatusCode.BadRequest && !text.Contains("\"fieldViolations\"", StringComparison.Ordinal))
            {
                // Every 400 says which field to fix.
                failures.Add($"{method} {pathTemplate} {Shorten(bodyTemplate)}: no field violation: {Shorten(text)}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.Equal(before, await user.CountStoredAsync());
        Assert.Equal(strangerBefore, await stranger.CountStoredAsync());
        Assert.Equal("theirs", (await stranger.Grpc.GetConversationAsync(new GetConversationRequest { ConversationId = foreign.Id }, stranger.Options())).Title);
        Assert.Equal("kept", Assert.Single(await user.HistoryAsync(own.Id)).Content);
    }

    [Fact]
    public async Task Prompt_text_that_looks_like_sql_or_markup_is_answered_and_stored_verbatim()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        const string text = "Robert'); DROP TABLE conversations;-- <img src=x onerror=alert(1)> {{7*7}} ${jndi:ldap://x}";
        var response = await user.Grpc.ChatWithAIAsync(new ChatWithAIRequest { Message = text }, user.Options());

        Assert.Equal(text, response.UserMessage.Content);
        Assert.Equal(text, (await user.HistoryAsync(response.ConversationId))[0].Content);
    }

    [Theory]
    [InlineData("/v1/chat/ai")]
    [InlineData("/v1/chat/ai/stream")]
    public async Task An_oversized_body_is_refused_with_413_whether_its_length_is_declared_or_chunked(string route)
    {
        var user = await ChatUser.SignUpAsync(fixture);
        using var rest = user.Rest();
        var huge = $$"""{"message":"{{new string('z', 400_000)}}"}""";

        using var declared = await rest.PostAsync(route, new StringContent(huge, Encoding.UTF8, "application/json"));
        using var chunkedContent = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(huge)));
        chunkedContent.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var chunkedRequest = new HttpRequestMessage(HttpMethod.Post, route) { Content = chunkedContent };
        chunkedRequest.Headers.TransferEncodingChunked = true;
        using var chunked = await rest.SendAsync(chunkedRequest);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, declared.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, chunked.StatusCode);
        Assert.Contains("\"code\"", await chunked.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, (await user.CountStoredAsync()).Conversations);
    }

    [Fact]
    public async Task Over_grpc_an_oversized_message_is_resource_exhausted_and_a_malformed_one_invalid_argument()
    {
        var user = await ChatUser.SignUpAsync(fixture);

        var oversized = await Assert.ThrowsAsync<RpcException>(() =>
            user.Grpc.ChatWithAIAsync(new ChatWithAIRequest { Message = new string('z', 400_000) }, user.Options()).ResponseAsync);
        // Field 1 (conversation_id) says 127 bytes follow, and none do.
        var malformed = await Assert.ThrowsAsync<RpcException>(() => RawUnaryCallAsync(user, "SendMessage", [0x0A, 0x7F]));

        Assert.Equal(StatusCode.ResourceExhausted, oversized.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, malformed.StatusCode);
        Assert.Equal(0, (await user.CountStoredAsync()).Conversations);
    }

    [Fact]
    public async Task The_event_stream_route_refuses_text_that_is_not_utf8_like_every_other_route()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        using var rest = user.Rest();
        var bytes = Encoding.UTF8.GetBytes("""{"message":"caf? au lait"}""");
        bytes[15] = 0xE9; // Latin-1 'é' where the '?' was: not UTF-8

        using var stream = await rest.PostAsync("/v1/chat/ai/stream", JsonBytes(bytes));
        using var unary = await rest.PostAsync("/v1/chat/ai", JsonBytes(bytes));

        Assert.Equal(HttpStatusCode.BadRequest, stream.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, unary.StatusCode);
        Assert.Equal(0, (await user.CountStoredAsync()).Conversations);
    }

    private static ByteArrayContent JsonBytes(byte[] bytes) =>
        new(bytes) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } };

    private Task<byte[]> RawUnaryCallAsync(ChatUser user, string method, byte[] body)
    {
        var marshaller = Marshallers.Create(bytes => bytes, bytes => bytes);
        var call = new Method<byte[], byte[]>(MethodType.Unary, ChatService.Descriptor.FullName, method, marshaller, marshaller);
        return fixture.CreateGrpcChannel("chatservice").CreateCallInvoker().AsyncUnaryCall(call, null, user.Options(), body).ResponseAsync;
    }

    private static string Shorten(string? text) => text is null ? "" : text.Length > 120 ? text[..120] + "..." : text;
}
