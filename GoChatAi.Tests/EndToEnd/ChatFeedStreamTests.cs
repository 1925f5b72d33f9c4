using System.Net;
using System.Text.Json.Nodes;
using GoChatAi.Contracts.Chat.V1;
using GoChatAi.Tests.Infrastructure;
using Grpc.Core;

namespace GoChatAi.Tests.EndToEnd;

/// <summary>
/// StreamMessages for browsers, <c>GET /v1/chat/stream/{conversation_id}</c>: Server-Sent Events that behave as the
/// StreamChat ones do (headers at once, heartbeats while idle, resume after <c>Last-Event-ID</c>), and the same feed
/// as a stream of JSON objects on the transcoded route.
/// </summary>
[Collection(GoChatAiAppCollection.Name)]
public sealed class ChatFeedStreamTests(GoChatAiAppFixture fixture)
{
    private static async Task<HttpResponseMessage> OpenAsync(HttpClient rest, string conversationId, string? lastEventId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/chat/stream/{conversationId}");
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        return await rest.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    private static Task<Message> SendAsync(ChatUser user, string conversationId, string content) =>
        user.Grpc.SendMessageAsync(new SendMessageRequest { ConversationId = conversationId, Content = content }, user.Options()).ResponseAsync;

    private static string ContentOf(ServerSentEventReader.SseEvent sse) =>
        (string)JsonNode.Parse(sse.Data)!["messageCreated"]!["message"]!["content"]!;

    [Fact]
    public async Task The_feed_answers_at_once_sends_heartbeats_while_idle_and_resumes_after_the_last_event_id()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        var conversation = await user.CreateConversationAsync();
        using var rest = user.Rest();
        using var timeout = new CancellationTokenSource(GoChatAiAppFixture.StepTimeout);

        string firstId;
        using (var response = await OpenAsync(rest, conversation.Id))
        {
            // The headers came before any event: the conversation has none yet.
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
            using var reader = new ServerSentEventReader(await response.Content.ReadAsStreamAsync());
            var next = reader.ReadAsync(timeout.Token);
            await reader.CommentRead.WaitAsync(timeout.Token);
            Assert.False(next.IsCompleted);

            await SendAsync(user, conversation.Id, "first");
            var first = (await next)!;
            Assert.Equal("message_created", first.Name);
            Assert.Equal("first", ContentOf(first));
            firstId = first.Id!;
        }

        await SendAsync(user, conversation.Id, "second");
        using (var resumed = await OpenAsync(rest, conversation.Id, firstId))
        {
            using var reader = new ServerSentEventReader(await resumed.Content.ReadAsStreamAsync());
            var second = (await reader.ReadAsync(timeout.Token))!;
            Assert.Equal("second", ContentOf(second));
            Assert.NotEqual(firstId, second.Id);
        }
    }

    [Fact]
    public async Task A_refused_feed_gets_the_rest_error_shape_before_any_event()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        var conversation = await user.CreateConversationAsync();
        var other = await user.CreateConversationAsync();
        using var rest = user.Rest();

        using var badId = await OpenAsync(rest, "not-a-uuid");
        Assert.Equal(HttpStatusCode.BadRequest, badId.StatusCode);
        Assert.Equal("conversation_id", (string)(await badId.ReadObjectAsync())["details"]![0]!["fieldViolations"]![0]!["field"]!);

        using var unknown = await OpenAsync(rest, Guid.NewGuid().ToString());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        // A cursor of another conversation is refused, not misread.
        using var timeout = new CancellationTokenSource(GoChatAiAppFixture.StepTimeout);
        using (var otherFeed = await OpenAsync(rest, other.Id))
        {
            using var reader = new ServerSentEventReader(await otherFeed.Content.ReadAsStreamAsync());
            var next = reader.ReadAsync(timeout.Token);
            await SendAsync(user, other.Id, "elsewhere");
            var elsewhere = await next;
            using var wrongCursor = await OpenAsync(rest, conversation.Id, elsewhere!.Id);
            Assert.Equal(HttpStatusCode.BadRequest, wrongCursor.StatusCode);
            Assert.Equal("after", (string)(await wrongCursor.ReadObjectAsync())["details"]![0]!["fieldViolations"]![0]!["field"]!);
        }

        using var anonymous = fixture.CreateRestClient("chatservice");
        using var unauthenticated = await anonymous.GetAsync($"/v1/chat/stream/{conversation.Id}");
        Assert.Equal(HttpStatusCode.Unauthorized, unauthenticated.StatusCode);
    }

    [Fact]
    public async Task The_transcoded_route_sends_the_feed_as_json_objects()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        var conversation = await user.CreateConversationAsync();
        await SendAsync(user, conversation.Id, "hello");
        using var rest = user.Rest();
        using var timeout = new CancellationTokenSource(GoChatAiAppFixture.StepTimeout);

        // Without a cursor the feed starts live; from the cursor before the first event it replays that event.
        using var response = await rest.GetAsync(
            $"/v1/chat/conversations/{conversation.Id}:stream?after=c1.{Guid.Parse(conversation.Id):N}.0",
            HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        var line = await reader.ReadLineAsync(timeout.Token);

        Assert.Equal("hello", (string)JsonNode.Parse(line!)!["messageCreated"]!["message"]!["content"]!);
    }

    [Fact]
    public async Task A_cursor_from_before_the_cache_lost_its_feeds_is_refused_as_no_longer_kept_never_resumed_elsewhere()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        var conversation = await user.CreateConversationAsync();
        for (var i = 0; i < 3; i++)
        {
            await SendAsync(user, conversation.Id, $"before {i}");
        }

        string cursor;
        using (var feed = user.Grpc.StreamMessages(
            new StreamMessagesRequest { ConversationId = conversation.Id, After = $"c1.{Guid.Parse(conversation.Id):N}.0" }, user.Options()))
        {
            Assert.True(await feed.ResponseStream.MoveNext(CancellationToken.None));
            cursor = feed.ResponseStream.Current.Cursor;
        }

        await CacheServer.RestartAsync(fixture);
        // Calls are refused until the token revocation list is rebuilt in the new cache.
        using var rest = user.Rest();
        await HttpPolling.UntilStatusAsync(rest, "/v1/models", HttpStatusCode.OK);
        for (var i = 0; i < 3; i++)
        {
            await SendAsync(user, conversation.Id, $"after {i}");
        }

        // The new feed's events have numbers of their own, all past the old cursor's: it names none of them.
        using var resumed = user.Grpc.StreamMessages(new StreamMessagesRequest { ConversationId = conversation.Id, After = cursor }, user.Options());
        var refused = await Assert.ThrowsAsync<RpcException>(() => resumed.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.OutOfRange, refused.StatusCode);
    }
}
