using System.Net;
using System.Text.Json.Nodes;
using GoChatAi.Contracts.Chat.V1;
using GoChatAi.Tests.Infrastructure;
using Grpc.Core;

namespace GoChatAi.Tests.EndToEnd;

/// <summary>Conversations and stored messages, over gRPC and REST, always the caller's own.</summary>
[Collection(GoChatAiAppCollection.Name)]
public sealed class ChatConversationTests(GoChatAiAppFixture fixture)
{
    [Fact]
    public async Task Conversations_are_created_read_listed_updated_and_deleted_over_grpc()
    {
        var user = await ChatUser.SignUpAsync(fixture);

        var created = await user.CreateConversationAsync("Trip planning", systemPrompt: "Answer briefly.");
        Assert.True(Guid.TryParse(created.Id, out _));
        Assert.Equal("Trip planning", created.Title);
        Assert.Equal("Answer briefly.", created.SystemPrompt);
        Assert.Equal("stand-in", created.Model);
        Assert.Equal(created.CreatedAt, created.UpdatedAt);
        Assert.Null(created.LastMessageAt);
        Assert.Equal(0, created.MessageCount);

        var read = await user.Grpc.GetConversationAsync(new GetConversationRequest { ConversationId = created.Id }, user.Options());
        Assert.Equal(created, read);

        var updated = await user.Grpc.UpdateConversationAsync(
            new UpdateConversationRequest { ConversationId = created.Id, Title = "  Renamed  ", Model = "stand-in-small" }, user.Options());
        Assert.Equal("Renamed", updated.Title);
        Assert.Equal("stand-in-small", updated.Model);
        Assert.Equal("Answer briefly.", updated.SystemPrompt);
        Assert.True(updated.UpdatedAt.ToDateTimeOffset() >= created.UpdatedAt.ToDateTimeOffset());

        var cleared = await user.Grpc.UpdateConversationAsync(
            new UpdateConversationRequest { ConversationId = created.Id, SystemPrompt = "" }, user.Options());
        Assert.Equal("", cleared.SystemPrompt);
        Assert.Equal("Renamed", cleared.Title);

        var list = await user.Grpc.ListConversationsAsync(new ListConversationsRequest(), user.Options());
        Assert.Equal(1, list.TotalCount);
        Assert.Equal(created.Id, Assert.Single(list.Conversations).Id);

        await user.Grpc.DeleteConversationAsync(new DeleteConversationRequest { ConversationId = created.Id }, user.Options());
        var gone = await Assert.ThrowsAsync<RpcException>(() =>
            user.Grpc.GetConversationAsync(new GetConversationRequest { ConversationId = created.Id }, user.Options()).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, gone.StatusCode);
        Assert.Equal(0, (await user.Grpc.ListConversationsAsync(new ListConversationsRequest(), user.Options())).TotalCount);
    }

    [Fact]
    public async Task Conversations_are_created_read_listed_updated_and_deleted_over_rest()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        using var rest = user.Rest();

        using var create = await rest.PostAsync("/v1/chat/conversations", RestJson.Json("""{"title":"Over REST","systemPrompt":"Be kind."}"""));
        Assert.Equal(HttpStatusCode.OK, create.StatusCode);
        var created = await create.ReadObjectAsync();
        var id = (string)created["id"]!;
        Assert.Equal("Over REST", (string)created["title"]!);
        Assert.Equal("stand-in", (string)created["model"]!);

        using var get = await rest.GetAsync($"/v1/chat/conversations/{id}");
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal("Be kind.", (string)(await get.ReadObjectAsync())["systemPrompt"]!);

        using var patch = await rest.PatchAsync($"/v1/chat/conversations/{id}", RestJson.Json("""{"title":"Renamed"}"""));
        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        Assert.Equal("Renamed", (string)(await patch.ReadObjectAsync())["title"]!);

        using var list = await rest.GetAsync("/v1/chat/conversations?limit=10&offset=0");
        var listed = await list.ReadObjectAsync();
        Assert.Equal(1, (int)listed["totalCount"]!);
        Assert.Equal(id, (string)listed["conversations"]![0]!["id"]!);

        using var delete = await rest.DeleteAsync($"/v1/chat/conversations/{id}");
        Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
        using var after = await rest.GetAsync($"/v1/chat/conversations/{id}");
        Assert.Equal(HttpStatusCode.NotFound, after.StatusCode);
        Assert.Equal(5, (int)(await after.ReadObjectAsync())["code"]!);
    }

    [Fact]
    public async Task Every_call_needs_an_access_token()
    {
        using var rest = fixture.CreateRestClient("chatservice");
        using var response = await rest.GetAsync("/v1/chat/conversations");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);

        var client = new ChatService.ChatServiceClient(fixture.CreateGrpcChannel("chatservice"));
        var error = await Assert.ThrowsAsync<RpcException>(() => client.ListModelsAsync(new ListModelsRequest()).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }

    [Fact]
    public async Task Another_users_conversation_answers_not_found_like_a_missing_one()
    {
        var owner = await ChatUser.SignUpAsync(fixture);
        var stranger = await ChatUser.SignUpAsync(fixture);
        var conversation = await owner.CreateConversationAsync("Private");
        await owner.Grpc.SendMessageAsync(new SendMessageRequest { ConversationId = conversation.Id, Content = "secret" }, owner.Options());
        var id = conversation.Id;

        var calls = new Func<Task>[]
        {
            () => stranger.Grpc.GetConversationAsync(new GetConversationRequest { ConversationId = id }, stranger.Options()).ResponseAsync,
            () => stranger.Grpc.UpdateConversationAsync(new UpdateConversationRequest { ConversationId = id, Title = "mine" }, stranger.Options()).ResponseAsync,
            () => stranger.Grpc.DeleteConversationAsync(new DeleteConversationRequest { ConversationId = id }, stranger.Options()).ResponseAsync,
            () => stranger.Grpc.SendMessageAsync(new SendMessageRequest { ConversationId = id, Content = "hi" }, stranger.Options()).ResponseAsync,
            () => stranger.Grpc.GetHistoryAsync(new GetHistoryRequest { ConversationId = id }, stranger.Options()).ResponseAsync,
            () => stranger.Grpc.ChatWithAIAsync(new ChatWithAIRequest { ConversationId = id, Message = "hi" }, stranger.Options()).ResponseAsync,
        };
        foreach (var call in calls)
        {
            var error = await Assert.ThrowsAsync<RpcException>(call);
            Assert.Equal(StatusCode.NotFound, error.StatusCode);
        }

        var missing = await Assert.ThrowsAsync<RpcException>(() =>
            stranger.Grpc.GetConversationAsync(new GetConversationRequest { ConversationId = Guid.NewGuid().ToString() }, stranger.Options()).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
        Assert.Equal(
            (await Assert.ThrowsAsync<RpcException>(calls[0])).Status.Detail,
            missing.Status.Detail);

        Assert.Equal(0, (await stranger.Grpc.ListConversationsAsync(new ListConversationsRequest(), stranger.Options())).TotalCount);
        var history = await owner.HistoryAsync(id);
        Assert.Equal("secret", Assert.Single(history).Content);
        Assert.Equal("Private", (await owner.Grpc.GetConversationAsync(new GetConversationRequest { ConversationId = id }, owner.Options())).Title);
    }

    [Fact]
    public async Task Conversations_are_listed_by_latest_activity_a_page_at_a_time()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        var first = await user.CreateConversationAsync("first");
        var second = await user.CreateConversationAsync("second");
        var third = await user.CreateConversationAsync("third");
        // A message makes the oldest conversation the most recently active.
        await user.Grpc.SendMessageAsync(new SendMessageRequest { ConversationId = first.Id, Content = "bump" }, user.Options());

        var page1 = await user.Grpc.ListConversationsAsync(new ListConversationsRequest { Limit = 2 }, user.Options());
        var page2 = await user.Grpc.ListConversationsAsync(new ListConversationsRequest { Limit = 2, Offset = 2 }, user.Options());
        var past = await user.Grpc.ListConversationsAsync(new ListConversationsRequest { Limit = 2, Offset = 5 }, user.Options());

        // Every page, a full one, the short last one and one past the end, tells the same total.
        Assert.Equal([3, 3, 3], new[] { page1.TotalCount, page2.TotalCount, past.TotalCount });
        Assert.Equal([first.Id, third.Id], page1.Conversations.Select(c => c.Id));
        Assert.Equal([second.Id], page2.Conversations.Select(c => c.Id));
        Assert.Empty(past.Conversations);
        var bumped = page1.Conversations[0];
        Assert.Equal(1, bumped.MessageCount);
        Assert.NotNull(bumped.LastMessageAt);
    }

    [Fact]
    public async Task SendMessage_stores_the_text_verbatim_and_history_pages_by_offset_and_by_token()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        var conversation = await user.CreateConversationAsync();
        var texts = new List<string> { "'; DROP TABLE messages; --", "<script>alert(1)</script>", "line one\nline two\ttabbed", "emoji 🚀 and ünïcödé" };
        texts.AddRange(Enumerable.Range(0, 8).Select(i => $"message {i}"));
        foreach (var text in texts)
        {
            var stored = await user.Grpc.SendMessageAsync(new SendMessageRequest { ConversationId = conversation.Id, Content = text }, user.Options());
            Assert.Equal(text, stored.Content);
            Assert.Equal(Role.User, stored.Role);
            Assert.Equal(MessageStatus.Finished, stored.Status);
            Assert.Equal(conversation.Id, stored.ConversationId);
        }

        // Keyset pages, oldest first, until the last page says there is no more.
        var seen = new List<string>();
        var token = "";
        do
        {
            var page = await user.Grpc.GetHistoryAsync(new GetHistoryRequest { ConversationId = conversation.Id, Limit = 5, PageToken = token }, user.Options());
            Assert.Equal(texts.Count, page.TotalCount);
            seen.AddRange(page.Messages.Select(m => m.Content));
            token = page.NextPageToken;
        }
        while (token.Length > 0);
        Assert.Equal(texts, seen);

        // Newest first with an offset.
        var newest = await user.Grpc.GetHistoryAsync(new GetHistoryRequest { ConversationId = conversation.Id, Limit = 3, Offset = 1, NewestFirst = true }, user.Options());
        Assert.Equal(texts.AsEnumerable().Reverse().Skip(1).Take(3), newest.Messages.Select(m => m.Content));

        // A token of one order is refused in the other.
        var ascending = await user.Grpc.GetHistoryAsync(new GetHistoryRequest { ConversationId = conversation.Id, Limit = 2 }, user.Options());
        var mixed = await Assert.ThrowsAsync<RpcException>(() => user.Grpc.GetHistoryAsync(
            new GetHistoryRequest { ConversationId = conversation.Id, Limit = 2, PageToken = ascending.NextPageToken, NewestFirst = true }, user.Options()).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, mixed.StatusCode);

        // Over REST too.
        using var rest = user.Rest();
        using var response = await rest.GetAsync($"/v1/chat/history/{conversation.Id}?limit=2&newestFirst=true");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.ReadObjectAsync();
        Assert.Equal(texts.Count, (int)body["totalCount"]!);
        Assert.Equal(texts[^1], (string)body["messages"]![0]!["content"]!);
        Assert.False(string.IsNullOrEmpty((string?)body["nextPageToken"]));

        using var send = await rest.PostAsync("/v1/chat/message", RestJson.Json(new { conversationId = conversation.Id, content = "via REST" }));
        Assert.Equal(HttpStatusCode.OK, send.StatusCode);
        Assert.Equal("ROLE_USER", (string)(await send.ReadObjectAsync())["role"]!);
    }

    [Fact]
    public async Task Pinned_and_archived_conversations_are_listed_as_asked_in_the_same_order_over_grpc_and_rest()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        // Created oldest first: listed newest first.
        var plain = await user.CreateConversationAsync("plain");
        var pinned = await user.CreateConversationAsync("pinned");
        var archived = await user.CreateConversationAsync("archived");
        var both = await user.CreateConversationAsync("pinned and archived");

        async Task<Conversation> UpdateAsync(string id, bool? pin, bool? archive)
        {
            var request = new UpdateConversationRequest { ConversationId = id };
            if (pin is { } p)
            {
                request.Pinned = p;
            }

            if (archive is { } a)
            {
                request.Archived = a;
            }

            return await user.Grpc.UpdateConversationAsync(request, user.Options());
        }

        var updated = await UpdateAsync(pinned.Id, pin: true, archive: null);
        Assert.True(updated.Pinned);
        Assert.False(updated.Archived);
        Assert.Equal("pinned", updated.Title);
        Assert.True((await UpdateAsync(archived.Id, pin: null, archive: true)).Archived);
        await UpdateAsync(both.Id, pin: true, archive: true);

        // The titles listed, in order, and the total count: "a, b (2)".
        async Task<string> ListAsync(bool? pin, bool? archive)
        {
            var request = new ListConversationsRequest { Limit = 100 };
            if (pin is { } p)
            {
                request.Pinned = p;
            }

            if (archive is { } a)
            {
                request.Archived = a;
            }

            var page = await user.Grpc.ListConversationsAsync(request, user.Options());
            return $"{string.Join(", ", page.Conversations.Select(c => c.Title))} ({page.TotalCount})";
        }

        // Archived ones are hidden unless asked for; filters keep the order (newest activity first) and the count.
        Assert.Equal("pinned, plain (2)", await ListAsync(null, null));
        Assert.Equal("pinned (1)", await ListAsync(true, null));
        Assert.Equal("plain (1)", await ListAsync(false, null));
        Assert.Equal("pinned and archived, archived (2)", await ListAsync(null, true));
        Assert.Equal("pinned and archived (1)", await ListAsync(true, true));

        // An archived conversation is whole: it answers, and a new message leaves it archived.
        await user.Grpc.SendMessageAsync(new SendMessageRequest { ConversationId = archived.Id, Content = "still here" }, user.Options());
        Assert.True((await user.Grpc.GetConversationAsync(new GetConversationRequest { ConversationId = archived.Id }, user.Options())).Archived);
        Assert.Equal("archived, pinned and archived (2)", await ListAsync(null, true));

        // Over REST: the same fields, and the query parameters of the filters.
        using var rest = user.Rest();
        using var unarchive = await rest.PatchAsync($"/v1/chat/conversations/{archived.Id}", RestJson.Json(new { archived = false }));
        Assert.Equal(HttpStatusCode.OK, unarchive.StatusCode);
        Assert.False((bool)(await unarchive.ReadObjectAsync())["archived"]!);
        using var listed = await rest.GetAsync("/v1/chat/conversations?archived=true");
        var body = await listed.ReadObjectAsync();
        Assert.Equal(1, (int)body["totalCount"]!);
        Assert.Equal("pinned and archived", (string)body["conversations"]![0]!["title"]!);
        Assert.True((bool)body["conversations"]![0]!["pinned"]!);
        using var pinnedOnly = await rest.GetAsync("/v1/chat/conversations?pinned=true");
        Assert.Equal(["pinned"], (await pinnedOnly.ReadObjectAsync())["conversations"]!.AsArray().Select(c => (string)c!["title"]!));

        // An update that changes nothing is refused.
        var empty = await Assert.ThrowsAsync<RpcException>(() =>
            user.Grpc.UpdateConversationAsync(new UpdateConversationRequest { ConversationId = plain.Id }, user.Options()).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, empty.StatusCode);
    }

    [Fact]
    public async Task Messages_sent_at_once_into_one_conversation_form_one_line_each_after_the_one_before()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        var conversation = await user.CreateConversationAsync();
        var elsewhere = await user.Grpc.SendMessageAsync(
            new SendMessageRequest { ConversationId = (await user.CreateConversationAsync()).Id, Content = "elsewhere" }, user.Options());

        // Senders race for the same active leaf: each must follow the one stored before it, none may branch. A
        // parent from another conversation refuses that message only, though it may share a transaction with others.
        var racing = Enumerable.Range(0, 24).Select(i =>
        {
            var request = new SendMessageRequest { ConversationId = conversation.Id, Content = $"racing {i}" };
            if (i % 6 == 5)
            {
                request.ParentMessageId = elsewhere.Id;
            }

            return user.Grpc.SendMessageAsync(request, user.Options()).ResponseAsync;
        }).ToArray();
        var sent = await Task.WhenAll(racing.Where((_, i) => i % 6 != 5));
        foreach (var refused in racing.Where((_, i) => i % 6 == 5))
        {
            Assert.Equal(StatusCode.InvalidArgument, (await Assert.ThrowsAsync<RpcException>(() => refused)).StatusCode);
        }

        var path = await user.Grpc.GetHistoryAsync(new GetHistoryRequest { ConversationId = conversation.Id, Limit = 100 }, user.Options());
        Assert.Equal(20, sent.Length);
        Assert.Equal(sent.Length, path.TotalCount);
        Assert.Equal(sent.Select(m => m.Id).Order(), path.Messages.Select(m => m.Id).Order());
        Assert.Equal("", path.Messages[0].ParentId);
        Assert.All(path.Messages.Skip(1).Zip(path.Messages), pair => Assert.Equal(pair.Second.Id, pair.First.ParentId));
        Assert.All(path.Messages, m => Assert.Equal([m.Id], m.SiblingIds));
        // Each call answered with the place it got.
        Assert.Equal(path.Messages.ToDictionary(m => m.Id, m => m.ParentId), sent.ToDictionary(m => m.Id, m => m.ParentId));
        var stored = await user.Grpc.GetConversationAsync(new GetConversationRequest { ConversationId = conversation.Id }, user.Options());
        Assert.Equal(path.Messages[^1].Id, stored.ActiveLeafId);
        Assert.Equal(sent.Length, stored.MessageCount);
    }

    [Fact]
    public async Task ListModels_lists_the_allowed_models_default_first_over_grpc_and_rest()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        var models = await user.Grpc.ListModelsAsync(new ListModelsRequest(), user.Options());

        Assert.Equal(["stand-in", "stand-in-small"], models.Models.Select(m => m.Id));
        Assert.True(models.Models[0].IsDefault);
        Assert.False(models.Models[1].IsDefault);
        Assert.Equal(16384, models.Models[0].ContextWindow);
        Assert.Equal(1024, models.Models[1].ContextWindow);
        Assert.Equal(256, models.Models[1].MaxOutputTokens);
        Assert.Contains("stand-in", models.Models[0].DisplayName, StringComparison.OrdinalIgnoreCase);

        using var rest = user.Rest();
        using var response = await rest.GetAsync("/v1/models");
        var body = await response.ReadObjectAsync();
        Assert.Equal("stand-in", (string)body["models"]![0]!["id"]!);
        Assert.True((bool)body["models"]![0]!["isDefault"]!);
    }

    [Fact]
    public async Task Requests_past_the_per_minute_limit_are_refused_with_a_retry_delay()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        var conversation = await user.CreateConversationAsync();
        RpcException? refused = null;
        // The limit is 60 a minute, counted in fixed one-minute windows; the create above counted as one. 130 requests
        // overrun it even when they straddle two windows (70 did not once, split 40 and 31).
        for (var i = 0; i < 130 && refused is null; i++)
        {
            try
            {
                await user.Grpc.SendMessageAsync(new SendMessageRequest { ConversationId = conversation.Id, Content = $"n{i}" }, user.Options());
            }
            catch (RpcException exception)
            {
                refused = exception;
            }
        }

        Assert.NotNull(refused);
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        var status = refused.GetRpcStatus();
        Assert.NotNull(status);
        Assert.Contains(status.Details, d => d.Is(Google.Rpc.RetryInfo.Descriptor));

        using var rest = user.Rest();
        using var response = await rest.PostAsync("/v1/chat/message", RestJson.Json(new { conversationId = conversation.Id, content = "more" }));
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter?.Delta);
        Assert.Equal(8, (int)(await response.ReadObjectAsync())["code"]!);

        // Another user is not limited by this one's requests.
        var other = await ChatUser.SignUpAsync(fixture);
        Assert.NotNull(await other.CreateConversationAsync());
    }
}
