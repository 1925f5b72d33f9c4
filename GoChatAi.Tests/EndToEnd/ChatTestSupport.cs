using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using GoChatAi.Contracts.Chat.V1;
using GoChatAi.Tests.Infrastructure;
using Grpc.Core;

namespace GoChatAi.Tests.EndToEnd;

/// <summary>One signed-up user with ChatService clients over gRPC and REST, and the stand-in model's journal.</summary>
public sealed class ChatUser(GoChatAiAppFixture fixture, string accessToken, Guid userId, string email)
{
    public static readonly TimeSpan CallTimeout = TimeSpan.FromMinutes(2);

    public string AccessToken { get; } = accessToken;

    public Guid UserId { get; } = userId;

    /// <summary>The account's email; its password is <see cref="TestAccounts.Password"/>.</summary>
    public string Email { get; } = email;

    public ChatService.ChatServiceClient Grpc { get; } = new(fixture.CreateGrpcChannel("chatservice"));

    /// <summary>Export and import (a gRPC service of their own).</summary>
    public ConversationArchiveService.ConversationArchiveServiceClient Archive { get; } = new(fixture.CreateGrpcChannel("chatservice"));

    public Metadata Headers => TestAccounts.Bearer(AccessToken);

    public CallOptions Options(CancellationToken cancellationToken = default) =>
        new(Headers, DateTime.UtcNow + CallTimeout, cancellationToken);

    public static async Task<ChatUser> SignUpAsync(GoChatAiAppFixture fixture)
    {
        var signUp = await new TestAccounts(fixture).SignUpAsync().WaitAsync(CallTimeout);
        return new ChatUser(fixture, signUp.Tokens.AccessToken, Guid.Parse(signUp.User.Id), signUp.User.Email);
    }

    /// <summary>A REST client that sends this user's token.</summary>
    public HttpClient Rest()
    {
        var client = fixture.CreateRestClient("chatservice");
        client.Timeout = CallTimeout;
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AccessToken);
        return client;
    }

    public async Task<Conversation> CreateConversationAsync(string? title = null, string? model = null, string? systemPrompt = null)
    {
        var request = new CreateConversationRequest();
        if (title is not null)
        {
            request.Title = title;
        }

        if (model is not null)
        {
            request.Model = model;
        }

        if (systemPrompt is not null)
        {
            request.SystemPrompt = systemPrompt;
        }

        return await Grpc.CreateConversationAsync(request, Options());
    }

    public async Task<List<Message>> HistoryAsync(string conversationId) =>
        [.. (await Grpc.GetHistoryAsync(new GetHistoryRequest { ConversationId = conversationId, Limit = 100 }, Options())).Messages];

    /// <summary>The path GetHistory shows (the active one, or the one through <paramref name="messageId"/>), up to 100 messages.</summary>
    public async Task<GetHistoryResponse> PathAsync(string conversationId, string? messageId = null)
    {
        var request = new GetHistoryRequest { ConversationId = conversationId, Limit = 100 };
        if (messageId is not null)
        {
            request.MessageId = messageId;
        }

        return await Grpc.GetHistoryAsync(request, Options());
    }

    /// <summary>Waits (polling, with a deadline) until a conversation's answer of a generation is final.</summary>
    public async Task<Message> WaitForFinishedAnswerAsync(string conversationId, string generationId)
    {
        using var deadline = new CancellationTokenSource(CallTimeout);
        while (true)
        {
            var answer = (await HistoryAsync(conversationId)).SingleOrDefault(m => m.GenerationId == generationId && m.Role == Role.Assistant);
            if (answer?.Status == MessageStatus.Finished)
            {
                return answer;
            }

            await Task.Delay(100, deadline.Token);
        }
    }

    /// <summary>An exchange with the model in one of this user's conversations, waited for whole.</summary>
    public async Task<ChatWithAIResponse> ChatAsync(string conversationId, string message) =>
        await Grpc.ChatWithAIAsync(new ChatWithAIRequest { ConversationId = conversationId, Message = message }, Options());

    /// <summary>
    /// Starts a long answer (400 words, 50 ms apart) and returns once it is stored as generating and the stand-in has
    /// its request: the stream (read it on, or end it sooner with CancelGeneration) and the answer as it started.
    /// </summary>
    public async Task<(AsyncServerStreamingCall<ChatEvent> Stream, Message Answer)> StartLongAnswerAsync(string conversationId)
    {
        var stream = Grpc.StreamChat(new ChatWithAIRequest
        {
            ConversationId = conversationId,
            Message = "a long one " + DevModelJournal.Directive("tokens=400; slow=50ms", out var key),
        }, Options());
        var started = new List<ChatEvent>();
        while (started.Count < 2 && await stream.ResponseStream.MoveNext(CancellationToken.None))
        {
            started.Add(stream.ResponseStream.Current);
        }

        Assert.Equal(ChatEvent.EventOneofCase.GenerationStarted, started[1].EventCase);
        await DevModelJournal.WaitUntilStartedAsync(fixture, key);
        return (stream, started[1].GenerationStarted.Message);
    }

    /// <summary>How many conversations and messages this user has: what a refused request must not change.</summary>
    public async Task<(int Conversations, int Messages)> CountStoredAsync()
    {
        var list = await Grpc.ListConversationsAsync(new ListConversationsRequest { Limit = 100 }, Options());
        return (list.TotalCount, list.Conversations.Sum(c => c.MessageCount));
    }
}

/// <summary>What the chat tests read from calls: an answer's events to its end, the fields a refusal names.</summary>
public static class ChatCalls
{
    /// <summary>Reads a stream of chat events until its answer ends (completed or failed).</summary>
    public static async Task<List<ChatEvent>> ReadUntilEndAsync(IAsyncStreamReader<ChatEvent> stream)
    {
        var events = new List<ChatEvent>();
        while (await stream.MoveNext(CancellationToken.None))
        {
            events.Add(stream.Current);
            if (stream.Current.EventCase is ChatEvent.EventOneofCase.Completed or ChatEvent.EventOneofCase.Failed)
            {
                break;
            }
        }

        return events;
    }

    /// <summary>
    /// Event kinds with each run of deltas as one: pieces of an answer that waited together for the feed come as one
    /// delta (the same text at the same moment), so how many deltas an answer takes is not fixed, only that its text
    /// comes between its start and its end.
    /// </summary>
    public static List<string> WithDeltasAsOne(this IEnumerable<string> kinds)
    {
        var all = kinds.ToList();
        return [.. all.Where((kind, i) => kind != "delta" || i == 0 || all[i - 1] != "delta")];
    }

    /// <summary>The fields an INVALID_ARGUMENT names (its BadRequest detail).</summary>
    public static string[] Fields(RpcException exception) =>
        exception.GetRpcStatus()?.GetDetail<Google.Rpc.BadRequest>()?.FieldViolations.Select(v => v.Field).ToArray() ?? [];
}

/// <summary>The stand-in model's request journal.</summary>
public static class DevModelJournal
{
    public static async Task<List<JsonObject>> RequestsAsync(GoChatAiAppFixture fixture, string key)
    {
        using var client = fixture.App.CreateHttpClient("devmodel", "http");
        var entries = await client.GetFromJsonAsync<JsonArray>($"/_devmodel/requests?key={Uri.EscapeDataString(key)}");
        return [.. entries!.Select(e => e!.AsObject())];
    }

    /// <summary>Waits (polling, with a deadline) until the stand-in has received the one request of a key, and returns it.</summary>
    public static Task<JsonObject> WaitUntilStartedAsync(GoChatAiAppFixture fixture, string key) =>
        WaitForRequestAsync(fixture, key, _ => true);

    /// <summary>Waits (polling, with a deadline) until the stand-in has finished the one request of a key, and returns it.</summary>
    public static Task<JsonObject> WaitUntilEndedAsync(GoChatAiAppFixture fixture, string key) =>
        WaitForRequestAsync(fixture, key, request => !(bool)request["inProgress"]!);

    private static async Task<JsonObject> WaitForRequestAsync(GoChatAiAppFixture fixture, string key, Func<JsonObject, bool> condition)
    {
        using var deadline = new CancellationTokenSource(ChatUser.CallTimeout);
        while (true)
        {
            var requests = await RequestsAsync(fixture, key);
            if (requests.Count == 1 && condition(requests[0]))
            {
                return requests[0];
            }

            await Task.Delay(50, deadline.Token);
        }
    }

    /// <summary>A fault directive for the stand-in, with a key of its own so that its counters are this test's.</summary>
    public static string Directive(string settings, out string key)
    {
        key = "t-" + Guid.NewGuid().ToString("N");
        return $"[[devmodel: key={key}; {settings}]]";
    }
}

/// <summary>Reads a Server-Sent Events stream the way a browser's EventSource does.</summary>
public sealed class ServerSentEventReader(Stream stream) : IDisposable
{
    private readonly StreamReader _reader = new(stream);

    public sealed record SseEvent(string? Id, string Name, string Data);

    private readonly TaskCompletionSource _commentRead = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Comments { get; private set; }

    /// <summary>Ends once a comment line (a heartbeat) has been read, while a read waits for the next event.</summary>
    public Task CommentRead => _commentRead.Task;

    public async Task<SseEvent?> ReadAsync(CancellationToken cancellationToken)
    {
        string? id = null, name = null;
        var data = new List<string>();
        while (await _reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                if (data.Count > 0)
                {
                    return new SseEvent(id, name ?? "message", string.Join("\n", data));
                }

                continue;
            }

            if (line.StartsWith(':'))
            {
                Comments++;
                _commentRead.TrySetResult();
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..].TrimStart(' ');
            switch (field)
            {
                case "id":
                    id = value;
                    break;
                case "event":
                    name = value;
                    break;
                case "data":
                    data.Add(value);
                    break;
            }
        }

        return null;
    }

    public void Dispose() => _reader.Dispose();
}

internal static class RestJson
{
    public static async Task<JsonObject> ReadObjectAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonNode.Parse(text)?.AsObject() ?? throw new InvalidOperationException("not a JSON object: " + text);
    }

    public static StringContent Json(string json) => new(json, System.Text.Encoding.UTF8, "application/json");

    public static StringContent Json(object value) => Json(JsonSerializer.Serialize(value));
}
