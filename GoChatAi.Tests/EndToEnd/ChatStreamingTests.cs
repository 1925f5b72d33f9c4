using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using GoChatAi.Contracts.Chat.V1;
using GoChatAi.Tests.Infrastructure;
using Grpc.Core;

namespace GoChatAi.Tests.EndToEnd;

/// <summary>Answers as they are generated: StreamChat, the SSE endpoint, StreamMessages with resume, cancel.</summary>
[Collection(GoChatAiAppCollection.Name)]
public sealed class ChatStreamingTests(GoChatAiAppFixture fixture)
{
    private static async Task<List<ChatEvent>> ReadUntilEndAsync(IAsyncStreamReader<ChatEvent> stream, CancellationToken cancellationToken)
    {
        var events = new List<ChatEvent>();
        while (await stream.MoveNext(cancellationToken))
        {
            events.Add(stream.Current);
            if (stream.Current.EventCase is ChatEvent.EventOneofCase.Completed or ChatEvent.EventOneofCase.Failed)
            {
                break;
            }
        }

        return events;
    }

    [Fact]
    public async Task StreamChat_sends_the_user_message_the_start_the_answer_in_deltas_and_the_completion()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        using var call = user.Grpc.StreamChat(new ChatWithAIRequest { Message = "stream this [[devmodel: tokens=8]]" }, user.Options());
        var events = await ReadUntilEndAsync(call.ResponseStream, CancellationToken.None);

        Assert.Equal(ChatEvent.EventOneofCase.MessageCreated, events[0].EventCase);
        Assert.Equal(ChatEvent.EventOneofCase.GenerationStarted, events[1].EventCase);
        Assert.Equal(MessageStatus.Generating, events[1].GenerationStarted.Message.Status);
        var deltas = events.Where(e => e.EventCase == ChatEvent.EventOneofCase.Delta).ToList();
        // At most one delta per piece the model sent: pieces that waited together for the feed come as one.
        Assert.InRange(deltas.Count, 1, 8);
        Assert.All(deltas, d => Assert.NotEmpty(d.Delta.Text));
        var completed = events[^1];
        Assert.Equal(ChatEvent.EventOneofCase.Completed, completed.EventCase);
        Assert.Equal(FinishReason.Stop, completed.Completed.FinishReason);
        Assert.Equal(8, completed.Completed.Usage.CompletionTokens);
        Assert.Equal(events.Select(e => e.Sequence).Order(), events.Select(e => e.Sequence));
        Assert.Equal(events.Count, events.Select(e => e.Sequence).Distinct().Count());
        Assert.All(events, e => Assert.Equal(events[0].GenerationId, e.GenerationId));

        var stored = (await user.HistoryAsync(events[0].ConversationId))[1];
        Assert.Equal(completed.Completed.MessageId, stored.Id);
        Assert.Equal(string.Concat(deltas.Select(d => d.Delta.Text)), stored.Content);
    }

    [Fact]
    public async Task The_sse_endpoint_streams_events_as_a_browser_reads_them()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        using var rest = user.Rest();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/ai/stream")
        {
            Content = RestJson.Json(new { message = "hello sse [[devmodel: tokens=5; slow=10ms]]" }),
        };
        request.Headers.Accept.ParseAdd("text/event-stream");
        using var response = await rest.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        Assert.True(response.Headers.CacheControl!.NoCache);
        Assert.True(response.Headers.CacheControl.NoTransform);
        Assert.Equal("no", response.Headers.GetValues("X-Accel-Buffering").Single());

        using var reader = new ServerSentEventReader(await response.Content.ReadAsStreamAsync());
        var events = new List<ServerSentEventReader.SseEvent>();
        while (await reader.ReadAsync(CancellationToken.None) is { } sse)
        {
            events.Add(sse);
        }

        Assert.Equal(["message_created", "generation_started", "delta", "completed"], events.Select(e => e.Name).WithDeltasAsOne());
        Assert.All(events, e => Assert.StartsWith("c1.", e.Id));
        var final = JsonNode.Parse(events[^1].Data)!["completed"]!;
        Assert.Equal("FINISH_REASON_STOP", (string)final["finishReason"]!);
        Assert.Equal(5, (int)final["usage"]!["completionTokens"]!);
        var text = string.Concat(events.Where(e => e.Name == "delta").Select(e => (string)JsonNode.Parse(e.Data)!["delta"]!["text"]!));
        var conversationId = (string)JsonNode.Parse(events[0].Data)!["conversationId"]!;
        var stored = (await user.HistoryAsync(conversationId))[1];
        Assert.Equal((string)final["messageId"]!, stored.Id);
        Assert.Equal(text, stored.Content);
    }

    [Fact]
    public async Task The_sse_endpoint_answers_errors_before_the_stream_with_the_rest_error_shape()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        using var rest = user.Rest();
        using var response = await rest.PostAsync("/v1/chat/ai/stream", RestJson.Json(new { message = "", temperature = 3 }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.ReadObjectAsync();
        Assert.Equal(3, (int)body["code"]!);
        var violations = body["details"]![0]!["fieldViolations"]!.AsArray().Select(v => (string)v!["field"]!).ToList();
        Assert.Equal(["message", "temperature"], violations);

        using var anonymous = fixture.CreateRestClient("chatservice");
        using var unauthenticated = await anonymous.PostAsync("/v1/chat/ai/stream", RestJson.Json(new { message = "hi" }));
        Assert.Equal(HttpStatusCode.Unauthorized, unauthenticated.StatusCode);
        Assert.Equal(0, (await user.CountStoredAsync()).Conversations);
    }

    [Fact]
    public async Task A_client_that_disconnects_midway_still_gets_its_answer_generated_and_stored()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        string conversationId, generationId;
        using (var rest = user.Rest())
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/ai/stream")
            {
                Content = RestJson.Json(new { message = "long one [[devmodel: tokens=30; slow=30ms]]" }),
            };
            using var response = await rest.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            using var reader = new ServerSentEventReader(await response.Content.ReadAsStreamAsync());
            var created = await reader.ReadAsync(CancellationToken.None);
            conversationId = (string)JsonNode.Parse(created!.Data)!["conversationId"]!;
            generationId = (string)JsonNode.Parse(created.Data)!["generationId"]!;
            await reader.ReadAsync(CancellationToken.None);
            await reader.ReadAsync(CancellationToken.None);
            // Leaving here drops the connection with most of the answer still to come.
        }

        var answer = await user.WaitForFinishedAnswerAsync(conversationId, generationId);
        Assert.Equal(FinishReason.Stop, answer.FinishReason);
        Assert.Equal(30, answer.Content.Split(' ').Length);
        Assert.Equal(30, answer.Usage.CompletionTokens);
    }

    [Fact]
    public async Task StreamMessages_resumes_after_a_dropped_connection_without_losing_or_repeating_an_event()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        var conversation = await user.CreateConversationAsync("feed");
        using var feedCancel = new CancellationTokenSource();
        using var feed = user.Grpc.StreamMessages(new StreamMessagesRequest { ConversationId = conversation.Id }, user.Options(feedCancel.Token));

        var chat = user.Grpc.ChatWithAIAsync(new ChatWithAIRequest { ConversationId = conversation.Id, Message = "resume [[devmodel: tokens=20; slow=40ms]]" }, user.Options());

        var firstPart = new List<ChatEvent>();
        while (firstPart.Count(e => e.EventCase == ChatEvent.EventOneofCase.Delta) < 5 && await feed.ResponseStream.MoveNext(CancellationToken.None))
        {
            firstPart.Add(feed.ResponseStream.Current);
        }

        // The connection drops; the client comes back with the last cursor it saw.
        await feedCancel.CancelAsync();
        using var resumed = user.Grpc.StreamMessages(
            new StreamMessagesRequest { ConversationId = conversation.Id, After = firstPart[^1].Cursor }, user.Options());
        var secondPart = await ReadUntilEndAsync(resumed.ResponseStream, CancellationToken.None);
        var response = await chat;

        var all = firstPart.Concat(secondPart).ToList();
        Assert.Equal(all.Count, all.Select(e => e.Sequence).Distinct().Count());
        Assert.Equal(all.Select(e => e.Sequence).Order(), all.Select(e => e.Sequence));
        Assert.Equal(ChatEvent.EventOneofCase.MessageCreated, all[0].EventCase);
        Assert.Equal(ChatEvent.EventOneofCase.Completed, all[^1].EventCase);
        var text = string.Concat(all.Where(e => e.EventCase == ChatEvent.EventOneofCase.Delta).Select(e => e.Delta.Text));
        Assert.Equal(response.AssistantMessage.Content, text);
    }

    [Fact]
    public async Task The_sse_endpoint_resumes_from_last_event_id()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        using var rest = user.Rest();
        string lastId;
        var seen = new List<ServerSentEventReader.SseEvent>();
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/ai/stream") { Content = RestJson.Json(new { message = "resume sse [[devmodel: tokens=15; slow=40ms]]" }) })
        using (var response = await rest.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        using (var reader = new ServerSentEventReader(await response.Content.ReadAsStreamAsync()))
        {
            while (seen.Count(e => e.Name == "delta") < 4 && await reader.ReadAsync(CancellationToken.None) is { } sse)
            {
                seen.Add(sse);
            }

            lastId = seen[^1].Id!;
        }

        using var resume = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/ai/stream") { Content = RestJson.Json(new { message = "ignored" }) };
        resume.Headers.Add("Last-Event-ID", lastId);
        using var resumed = await rest.SendAsync(resume, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        using var resumedReader = new ServerSentEventReader(await resumed.Content.ReadAsStreamAsync());
        while (await resumedReader.ReadAsync(CancellationToken.None) is { } sse)
        {
            seen.Add(sse);
        }

        Assert.Equal(seen.Count, seen.Select(e => e.Id).Distinct().Count());
        Assert.Equal("completed", seen[^1].Name);
        var conversationId = (string)JsonNode.Parse(seen[0].Data)!["conversationId"]!;
        var history = await user.HistoryAsync(conversationId);
        Assert.Equal(2, history.Count);
        // Every piece once, none lost across the reconnect (pieces that waited together may have come as one).
        Assert.Equal(history[1].Content, string.Concat(seen.Where(e => e.Name == "delta").Select(e => (string)JsonNode.Parse(e.Data)!["delta"]!["text"]!)));
    }

    [Fact]
    public async Task CancelGeneration_stops_the_model_call_and_keeps_the_partial_answer_as_cancelled()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        using var call = user.Grpc.StreamChat(
            new ChatWithAIRequest { Message = "cancel me " + DevModelJournal.Directive("tokens=200; slow=50ms", out var key) }, user.Options());
        var events = new List<ChatEvent>();
        while (events.Count(e => e.EventCase == ChatEvent.EventOneofCase.Delta) < 3 && await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            events.Add(call.ResponseStream.Current);
        }

        var generation = await user.Grpc.CancelGenerationAsync(new CancelGenerationRequest { GenerationId = events[0].GenerationId }, user.Options());
        events.AddRange(await ReadUntilEndAsync(call.ResponseStream, CancellationToken.None));

        Assert.Equal(GenerationState.Finished, generation.State);
        Assert.Equal(FinishReason.Cancelled, generation.FinishReason);
        Assert.Equal(ChatEvent.EventOneofCase.Completed, events[^1].EventCase);
        Assert.Equal(FinishReason.Cancelled, events[^1].Completed.FinishReason);
        var answer = (await user.HistoryAsync(events[0].ConversationId))[1];
        Assert.Equal(FinishReason.Cancelled, answer.FinishReason);
        Assert.Equal(string.Concat(events.Where(e => e.EventCase == ChatEvent.EventOneofCase.Delta).Select(e => e.Delta.Text)), answer.Content);
        Assert.True(answer.Content.Split(' ').Length < 200);

        // The stand-in saw its client close the connection: the model call itself was aborted.
        var request = await DevModelJournal.WaitUntilEndedAsync(fixture, key);
        Assert.True((bool)request["clientAborted"]!, request.ToJsonString());

        // Cancelling again changes nothing.
        var again = await user.Grpc.CancelGenerationAsync(new CancelGenerationRequest { GenerationId = events[0].GenerationId }, user.Options());
        Assert.Equal(generation, again);
    }

    [Fact]
    public async Task One_generation_at_a_time_per_conversation_and_deleting_the_conversation_cancels_it()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        var conversation = await user.CreateConversationAsync("busy");
        using var call = user.Grpc.StreamChat(
            new ChatWithAIRequest { ConversationId = conversation.Id, Message = "busy " + DevModelJournal.Directive("tokens=200; slow=50ms", out var key) }, user.Options());
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var generationId = call.ResponseStream.Current.GenerationId;

        var busy = await Assert.ThrowsAsync<RpcException>(() => user.Grpc.ChatWithAIAsync(
            new ChatWithAIRequest { ConversationId = conversation.Id, Message = "me too" }, user.Options()).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, busy.StatusCode);

        // The model is being asked (a first call after start can take a moment to reach it) when the conversation goes.
        await DevModelJournal.WaitUntilStartedAsync(fixture, key);
        await user.Grpc.DeleteConversationAsync(new DeleteConversationRequest { ConversationId = conversation.Id }, user.Options());

        var request = await DevModelJournal.WaitUntilEndedAsync(fixture, key);
        Assert.True((bool)request["clientAborted"]!, request.ToJsonString());
        var gone = await Assert.ThrowsAsync<RpcException>(() =>
            user.Grpc.CancelGenerationAsync(new CancelGenerationRequest { GenerationId = generationId }, user.Options()).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task The_next_message_may_be_sent_the_moment_the_answer_has_arrived()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        // A new conversation: after its first answer the service also names it, which must not keep it busy.
        var first = await user.Grpc.ChatWithAIAsync(new ChatWithAIRequest { Message = "first" }, user.Options());

        using var streamed = user.Grpc.StreamChat(new ChatWithAIRequest { ConversationId = first.ConversationId, Message = "second" }, user.Options());
        var events = await streamed.ResponseStream.ReadAllAsync().ToListAsync();
        Assert.Equal(ChatEvent.EventOneofCase.Completed, events[^1].EventCase);

        var third = await user.Grpc.ChatWithAIAsync(new ChatWithAIRequest { ConversationId = first.ConversationId, Message = "third" }, user.Options());
        Assert.Equal(FinishReason.Stop, third.FinishReason);
    }

    [Fact]
    public async Task Feed_cursors_of_another_conversation_or_malformed_are_refused()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        var first = await user.CreateConversationAsync("one");
        var second = await user.CreateConversationAsync("two");
        await user.Grpc.SendMessageAsync(new SendMessageRequest { ConversationId = first.Id, Content = "x" }, user.Options());
        using var feed = user.Grpc.StreamMessages(new StreamMessagesRequest { ConversationId = first.Id, After = $"c1.{Guid.Parse(first.Id):N}.0" }, user.Options());
        Assert.True(await feed.ResponseStream.MoveNext(CancellationToken.None));
        var cursor = feed.ResponseStream.Current.Cursor;
        Assert.Equal("x", feed.ResponseStream.Current.MessageCreated.Message.Content);

        foreach (var after in new[] { cursor.Replace(Guid.Parse(first.Id).ToString("N"), Guid.Parse(second.Id).ToString("N"), StringComparison.Ordinal), "garbage", "c1.zz.1", new string('c', 200) })
        {
            using var bad = user.Grpc.StreamMessages(new StreamMessagesRequest { ConversationId = first.Id, After = after }, user.Options());
            var error = await Assert.ThrowsAsync<RpcException>(() => bad.ResponseStream.MoveNext(CancellationToken.None));
            Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        }
    }
}
