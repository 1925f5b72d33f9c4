using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using GoChatAi.Contracts.Chat.V1;
using GoChatAi.Tests.Infrastructure;
using Grpc.Core;

namespace GoChatAi.Tests.EndToEnd;

/// <summary>
/// Share links (issue 16): CreateShareLink, ListShareLinks, RevokeShareLink over gRPC and REST, and the anonymous read,
/// SharedConversationService.GetSharedConversation (<c>GET /v1/shared/{share_id}</c>), with no token at all. A link is a
/// snapshot: nothing added to the conversation later shows in it; revoking it, its expiry and deleting the conversation
/// end it, and each then looks like a link that never was. What must not have been written is read from chatdb.
/// </summary>
[Collection(GoChatAiAppCollection.Name)]
public sealed class ChatShareLinkTests(GoChatAiAppFixture fixture)
{
    [Fact]
    public async Task A_link_to_the_active_leaf_is_read_without_a_token_and_never_shows_what_came_after_it()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        var conversation = await user.CreateConversationAsync("Before sharing");
        await user.ChatAsync(conversation.Id, "the first question");
        var second = await user.ChatAsync(conversation.Id, "the second question");
        var path = await user.HistoryAsync(conversation.Id);
        Assert.Equal(4, path.Count);

        var link = await user.Grpc.CreateShareLinkAsync(new CreateShareLinkRequest { ConversationId = conversation.Id }, user.Options());
        Assert.Equal(second.AssistantMessage.Id, link.MessageId);
        Assert.Equal(conversation.Id, link.ConversationId);
        Assert.Equal("Before sharing", link.Title);
        Assert.Matches("^[A-Za-z0-9_-]{22}$", link.ShareId);
        Assert.Equal($"/v1/shared/{link.ShareId}", link.Path);
        Assert.Null(link.ExpiresAt);

        // Over REST with no Authorization header at all: the path's messages, each only role, content, model, time.
        var (status, body) = await ReadOverRestAsync(link.ShareId);
        Assert.True(status == HttpStatusCode.OK, $"{(int)status} {body}");
        var json = JsonNode.Parse(body)!.AsObject();
        Assert.Equal("Before sharing", (string)json["title"]!);
        Assert.Equal(["title", "messages", "sharedAt"], json.Select(p => p.Key));
        var messages = json["messages"]!.AsArray();
        Assert.Equal(path.Select(m => (m.Role.ToString(), m.Content)), messages.Select(m => (RoleOf(m!), (string)m!["content"]!)));
        Assert.Equal(second.AssistantMessage.Model, (string)messages[3]!["model"]!);
        Assert.All(messages, m => Assert.Subset(new HashSet<string> { "role", "content", "model", "createdAt" }, m!.AsObject().Select(p => p.Key).ToHashSet()));
        AssertNothingOfTheOwner(body, user, conversation.Id, path.Select(m => m.Id));

        // Over gRPC with no metadata: the same, to the microsecond.
        var shared = await ReadOverGrpcAsync(link.ShareId);
        Assert.Equal("Before sharing", shared.Title);
        Assert.Equal(
            path.Select(m => (m.Role, m.Content, m.Model, m.CreatedAt)),
            shared.Messages.Select(m => (m.Role, m.Content, m.Model, m.CreatedAt)));
        Assert.Equal(link.CreatedAt, shared.SharedAt);

        // The conversation goes on: another exchange, a regenerated answer (a new branch, shown), a message, a new title.
        await user.ChatAsync(conversation.Id, "a question AFTER-SHARING");
        using (var regenerate = user.Grpc.RegenerateAnswer(
            new RegenerateAnswerRequest { ConversationId = conversation.Id, MessageId = second.AssistantMessage.Id }, user.Options()))
        {
            await ChatCalls.ReadUntilEndAsync(regenerate.ResponseStream);
        }

        await user.Grpc.SendMessageAsync(new SendMessageRequest { ConversationId = conversation.Id, Content = "a note AFTER-SHARING" }, user.Options());
        await user.Grpc.UpdateConversationAsync(new UpdateConversationRequest { ConversationId = conversation.Id, Title = "After sharing" }, user.Options());
        var now = await user.HistoryAsync(conversation.Id);
        Assert.NotEqual(path.Select(m => m.Id), now.Select(m => m.Id));

        var (statusAfter, bodyAfter) = await ReadOverRestAsync(link.ShareId);
        Assert.Equal(HttpStatusCode.OK, statusAfter);
        Assert.Equal(body, bodyAfter);
        Assert.DoesNotContain("AFTER-SHARING", bodyAfter, StringComparison.Ordinal);
        Assert.Equal(shared, await ReadOverGrpcAsync(link.ShareId));
    }

    [Fact]
    public async Task Over_rest_a_link_to_an_earlier_message_or_to_a_branch_out_of_view_shows_the_path_to_it()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        var conversation = await user.CreateConversationAsync("Branches");
        var first = await user.ChatAsync(conversation.Id, "the first question");
        var second = await user.ChatAsync(conversation.Id, "the second question");
        using (var regenerate = user.Grpc.RegenerateAnswer(
            new RegenerateAnswerRequest { ConversationId = conversation.Id, MessageId = second.AssistantMessage.Id }, user.Options()))
        {
            await ChatCalls.ReadUntilEndAsync(regenerate.ResponseStream);
        }

        Assert.NotEqual(second.AssistantMessage.Id, (await user.HistoryAsync(conversation.Id))[^1].Id);

        using var rest = user.Rest();
        var expiresAt = DateTimeOffset.UtcNow.AddHours(1).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
        using var created = await rest.PostAsync(
            $"/v1/chat/conversations/{conversation.Id}/shares", RestJson.Json(new { messageId = second.AssistantMessage.Id, expiresAt }));
        Assert.True(created.StatusCode == HttpStatusCode.OK, await created.Content.ReadAsStringAsync());
        var link = await created.ReadObjectAsync();
        Assert.Equal(second.AssistantMessage.Id, (string)link["messageId"]!);
        Assert.Equal(conversation.Id, (string)link["conversationId"]!);
        Assert.Equal(DateTimeOffset.Parse(expiresAt, CultureInfo.InvariantCulture), (DateTimeOffset)link["expiresAt"]!);

        // The branch the link names, not the one shown now; and its expiry.
        var (status, body) = await ReadOverRestAsync((string)link["shareId"]!);
        Assert.True(status == HttpStatusCode.OK, body);
        var shared = JsonNode.Parse(body)!.AsObject();
        Assert.Equal(
            [first.UserMessage.Content, first.AssistantMessage.Content, second.UserMessage.Content, second.AssistantMessage.Content],
            shared["messages"]!.AsArray().Select(m => (string)m!["content"]!));
        Assert.Equal((DateTimeOffset)link["expiresAt"]!, (DateTimeOffset)shared["expiresAt"]!);
        Assert.Equal((DateTimeOffset)link["createdAt"]!, (DateTimeOffset)shared["sharedAt"]!);

        // The first message alone.
        using var firstOnly = await rest.PostAsync(
            $"/v1/chat/conversations/{conversation.Id}/shares", RestJson.Json(new { messageId = first.UserMessage.Id }));
        var (_, firstBody) = await ReadOverRestAsync((string)(await firstOnly.ReadObjectAsync())["shareId"]!);
        Assert.Equal([first.UserMessage.Content], JsonNode.Parse(firstBody)!["messages"]!.AsArray().Select(m => (string)m!["content"]!));
    }

    [Fact]
    public async Task ListShareLinks_shows_the_open_links_newest_first_all_or_by_conversation_and_no_one_else_s()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        var stranger = await ChatUser.SignUpAsync(fixture);
        var a = await user.CreateConversationAsync("A");
        var b = await user.CreateConversationAsync("B");
        await user.ChatAsync(a.Id, "about A");
        await user.ChatAsync(b.Id, "about B");
        var a1 = await CreateAsync(user, a.Id);
        var a2 = await CreateAsync(user, a.Id);
        var b1 = await CreateAsync(user, b.Id);

        var all = await user.Grpc.ListShareLinksAsync(new ListShareLinksRequest(), user.Options());
        Assert.Equal([b1, a2, a1], all.Links);
        var ofA = await user.Grpc.ListShareLinksAsync(new ListShareLinksRequest { ConversationId = a.Id }, user.Options());
        Assert.Equal([a2, a1], ofA.Links);

        using (var rest = user.Rest())
        {
            using var listed = await rest.GetAsync($"/v1/chat/shares?conversationId={b.Id}");
            Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
            Assert.Equal([b1.ShareId], (await listed.ReadObjectAsync())["links"]!.AsArray().Select(l => (string)l!["shareId"]!));
        }

        // A stranger sees none of them, not even by the conversation's id, and cannot revoke one.
        Assert.Empty((await stranger.Grpc.ListShareLinksAsync(new ListShareLinksRequest(), stranger.Options())).Links);
        Assert.Empty((await stranger.Grpc.ListShareLinksAsync(new ListShareLinksRequest { ConversationId = a.Id }, stranger.Options())).Links);
        var refused = await Assert.ThrowsAsync<RpcException>(() =>
            stranger.Grpc.RevokeShareLinkAsync(new RevokeShareLinkRequest { ShareId = a1.ShareId }, stranger.Options()).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, refused.StatusCode);
        using (var strangerRest = stranger.Rest())
        {
            using var revoked = await strangerRest.DeleteAsync($"/v1/chat/shares/{a1.ShareId}");
            Assert.Equal(HttpStatusCode.NotFound, revoked.StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await ReadOverRestAsync(a1.ShareId)).Status);
        Assert.Equal([b1, a2, a1], (await user.Grpc.ListShareLinksAsync(new ListShareLinksRequest(), user.Options())).Links);
    }

    [Fact]
    public async Task A_revoked_link_is_not_found_at_once_over_rest_and_grpc_as_one_that_never_was()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        var conversation = await user.CreateConversationAsync("to revoke");
        await user.ChatAsync(conversation.Id, "a question");
        var overGrpc = await CreateAsync(user, conversation.Id);
        var overRest = await CreateAsync(user, conversation.Id);
        var (_, unknownBody) = await ReadOverRestAsync(UnknownShareId());

        await user.Grpc.RevokeShareLinkAsync(new RevokeShareLinkRequest { ShareId = overGrpc.ShareId }, user.Options());
        using var rest = user.Rest();
        using (var revoked = await rest.DeleteAsync($"/v1/chat/shares/{overRest.ShareId}"))
        {
            Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        }

        foreach (var link in new[] { overGrpc, overRest })
        {
            await AssertEndedAsync(link.ShareId, unknownBody);
            var again = await Assert.ThrowsAsync<RpcException>(() =>
                user.Grpc.RevokeShareLinkAsync(new RevokeShareLinkRequest { ShareId = link.ShareId }, user.Options()).ResponseAsync);
            Assert.Equal(StatusCode.NotFound, again.StatusCode);
        }

        Assert.Empty((await user.Grpc.ListShareLinksAsync(new ListShareLinksRequest(), user.Options())).Links);
        Assert.Equal(0, await CountLinksAsync(user));
    }

    [Fact]
    public async Task Deleting_the_conversation_ends_its_links_and_no_other()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        var doomed = await user.CreateConversationAsync("doomed");
        var kept = await user.CreateConversationAsync("kept");
        await user.ChatAsync(doomed.Id, "a question");
        await user.ChatAsync(kept.Id, "another question");
        var doomedLink = await CreateAsync(user, doomed.Id);
        var keptLink = await CreateAsync(user, kept.Id);
        var (_, unknownBody) = await ReadOverRestAsync(UnknownShareId());

        using (var rest = user.Rest())
        {
            using var deleted = await rest.DeleteAsync($"/v1/chat/conversations/{doomed.Id}");
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        }

        await AssertEndedAsync(doomedLink.ShareId, unknownBody);
        Assert.Equal(HttpStatusCode.OK, (await ReadOverRestAsync(keptLink.ShareId)).Status);
        Assert.Equal([keptLink], (await user.Grpc.ListShareLinksAsync(new ListShareLinksRequest(), user.Options())).Links);
        Assert.Equal(0, await ServiceDatabase.CountAsync(fixture, "chatdb",
            "SELECT count(*) FROM share_links WHERE \"ConversationId\" = @id", ("id", Guid.Parse(doomed.Id))));
    }

    [Fact]
    public async Task An_expired_link_is_not_found_and_no_longer_listed()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        var conversation = await user.CreateConversationAsync("short-lived");
        await user.ChatAsync(conversation.Id, "a question");
        var lasting = await CreateAsync(user, conversation.Id);
        var (_, unknownBody) = await ReadOverRestAsync(UnknownShareId());
        var link = await user.Grpc.CreateShareLinkAsync(new CreateShareLinkRequest
        {
            ConversationId = conversation.Id,
            ExpiresAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddSeconds(3)),
        }, user.Options());

        using var anonymous = fixture.CreateRestClient("chatservice");
        await HttpPolling.UntilStatusAsync(anonymous, link.Path, HttpStatusCode.NotFound);

        await AssertEndedAsync(link.ShareId, unknownBody);
        Assert.Equal([lasting], (await user.Grpc.ListShareLinksAsync(new ListShareLinksRequest(), user.Options())).Links);
        // Revoking it deletes the row all the same, but answers as for a link that is not open.
        var revoke = await Assert.ThrowsAsync<RpcException>(() =>
            user.Grpc.RevokeShareLinkAsync(new RevokeShareLinkRequest { ShareId = link.ShareId }, user.Options()).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, revoke.StatusCode);
        Assert.Equal(1, await CountLinksAsync(user));
    }

    [Fact]
    public async Task Bad_requests_are_refused_naming_the_field_or_the_reason_over_grpc_and_rest_and_nothing_is_written()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        var stranger = await ChatUser.SignUpAsync(fixture);
        var conversation = await user.CreateConversationAsync("mine");
        var mine = await user.ChatAsync(conversation.Id, "my question");
        var other = await user.CreateConversationAsync("also mine");
        var otherExchange = await user.ChatAsync(other.Id, "my other question");
        var empty = await user.CreateConversationAsync("empty");
        var foreign = await stranger.CreateConversationAsync("theirs");
        var foreignExchange = await stranger.ChatAsync(foreign.Id, "their question");
        var c = conversation.Id;
        var past = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddMinutes(-1));
        var anonymous = new SharedConversationService.SharedConversationServiceClient(fixture.CreateGrpcChannel("chatservice"));

        var grpcCases = new (string Name, Func<Task> Call, StatusCode Expected, string? Field)[]
        {
            ("a malformed conversation id", () => Create(new CreateShareLinkRequest { ConversationId = "not-a-uuid" }), StatusCode.InvalidArgument, "conversation_id"),
            ("no conversation id", () => Create(new CreateShareLinkRequest()), StatusCode.InvalidArgument, "conversation_id"),
            ("a malformed message id", () => Create(new CreateShareLinkRequest { ConversationId = c, MessageId = "nope" }), StatusCode.InvalidArgument, "message_id"),
            ("an expiry in the past", () => Create(new CreateShareLinkRequest { ConversationId = c, ExpiresAt = past }), StatusCode.InvalidArgument, "expires_at"),
            ("an expiry out of a timestamp's range", () => Create(new CreateShareLinkRequest
            {
                ConversationId = c, ExpiresAt = new Google.Protobuf.WellKnownTypes.Timestamp { Seconds = long.MaxValue },
            }), StatusCode.InvalidArgument, "expires_at"),
            ("a malformed share id to revoke", () => user.Grpc.RevokeShareLinkAsync(new RevokeShareLinkRequest { ShareId = "short" }, user.Options()).ResponseAsync,
                StatusCode.InvalidArgument, "share_id"),
            ("a malformed share id to read", () => anonymous.GetSharedConversationAsync(new GetSharedConversationRequest { ShareId = "not/a+share.id!!!!!!!!" },
                deadline: DateTime.UtcNow + ChatUser.CallTimeout).ResponseAsync, StatusCode.InvalidArgument, "share_id"),
            ("no share id to read", () => anonymous.GetSharedConversationAsync(new GetSharedConversationRequest(),
                deadline: DateTime.UtcNow + ChatUser.CallTimeout).ResponseAsync, StatusCode.InvalidArgument, "share_id"),
            ("a stranger's conversation", () => Create(new CreateShareLinkRequest { ConversationId = foreign.Id }), StatusCode.NotFound, null),
            ("a stranger's message", () => Create(new CreateShareLinkRequest { ConversationId = c, MessageId = foreignExchange.AssistantMessage.Id }), StatusCode.NotFound, null),
            ("another conversation's message", () => Create(new CreateShareLinkRequest { ConversationId = c, MessageId = otherExchange.UserMessage.Id }), StatusCode.NotFound, null),
            ("a conversation without messages", () => Create(new CreateShareLinkRequest { ConversationId = empty.Id }), StatusCode.FailedPrecondition, null),
            ("a well-formed unknown share id", () => anonymous.GetSharedConversationAsync(new GetSharedConversationRequest { ShareId = UnknownShareId() },
                deadline: DateTime.UtcNow + ChatUser.CallTimeout).ResponseAsync, StatusCode.NotFound, null),
        };

        var failures = new List<string>();
        foreach (var (name, call, expected, field) in grpcCases)
        {
            try
            {
                await call();
                failures.Add($"{name}: succeeded, expected {expected}");
            }
            catch (RpcException exception) when (exception.StatusCode != expected)
            {
                failures.Add($"{name}: {exception.StatusCode} ({exception.Status.Detail}), expected {expected}");
            }
            catch (RpcException exception) when (field is not null && !ChatCalls.Fields(exception).Contains(field))
            {
                failures.Add($"{name}: violations [{string.Join(", ", ChatCalls.Fields(exception))}] ({exception.Status.Detail}), expected one naming {field}");
            }
            catch (RpcException)
            {
                // Refused as expected.
            }
        }

        var restCases = new (string Method, string Path, object? Body, HttpStatusCode Expected, string? Field)[]
        {
            ("POST", "/v1/chat/conversations/not-a-uuid/shares", new { }, HttpStatusCode.BadRequest, "conversation_id"),
            ("POST", $"/v1/chat/conversations/{c}/shares", new { messageId = "12345" }, HttpStatusCode.BadRequest, "message_id"),
            ("POST", $"/v1/chat/conversations/{c}/shares", new { expiresAt = "2001-01-01T00:00:00Z" }, HttpStatusCode.BadRequest, "expires_at"),
            ("POST", $"/v1/chat/conversations/{foreign.Id}/shares", new { }, HttpStatusCode.NotFound, null),
            ("POST", $"/v1/chat/conversations/{c}/shares", new { messageId = otherExchange.AssistantMessage.Id }, HttpStatusCode.NotFound, null),
            ("GET", "/v1/chat/shares?conversationId=nope", null, HttpStatusCode.BadRequest, "conversation_id"),
            ("DELETE", "/v1/chat/shares/too-short", null, HttpStatusCode.BadRequest, "share_id"),
            ("DELETE", $"/v1/chat/shares/{UnknownShareId()}", null, HttpStatusCode.NotFound, null),
        };

        using (var rest = user.Rest())
        {
            foreach (var (method, path, body, expected, field) in restCases)
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), path);
                if (body is not null)
                {
                    request.Content = RestJson.Json(body);
                }

                using var response = await rest.SendAsync(request);
                await CheckRestAsync($"{method} {path}", response, expected, field, failures);
            }
        }

        using (var anonymousRest = fixture.CreateRestClient("chatservice"))
        {
            using var malformed = await anonymousRest.GetAsync("/v1/shared/not-22-characters");
            await CheckRestAsync("GET /v1/shared/not-22-characters", malformed, HttpStatusCode.BadRequest, "share_id", failures);
            using var unknown = await anonymousRest.GetAsync($"/v1/shared/{UnknownShareId()}");
            await CheckRestAsync("GET /v1/shared/(unknown)", unknown, HttpStatusCode.NotFound, null, failures);
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.Equal(0, await CountLinksAsync(user));
        Assert.Equal(0, await CountLinksAsync(stranger));
        Assert.Equal(mine.AssistantMessage.Id, (await user.HistoryAsync(c))[^1].Id);

        Task Create(CreateShareLinkRequest request) => user.Grpc.CreateShareLinkAsync(request, user.Options()).ResponseAsync;
    }

    [Fact]
    public async Task An_answer_still_generated_cannot_be_shared_until_it_has_ended_but_the_messages_before_it_can()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        var conversation = await user.CreateConversationAsync("busy");
        var first = await user.ChatAsync(conversation.Id, "a quick one");
        var longAnswer = await user.StartLongAnswerAsync(conversation.Id);
        using var running = longAnswer.Stream;
        var generating = longAnswer.Answer;

        // The active leaf, or the answer named: FAILED_PRECONDITION (400 with code 9 over REST), nothing written.
        var byDefault = await Assert.ThrowsAsync<RpcException>(() => user.Grpc.CreateShareLinkAsync(
            new CreateShareLinkRequest { ConversationId = conversation.Id }, user.Options()).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, byDefault.StatusCode);
        using (var rest = user.Rest())
        {
            using var named = await rest.PostAsync($"/v1/chat/conversations/{conversation.Id}/shares", RestJson.Json(new { messageId = generating.Id }));
            Assert.Equal(HttpStatusCode.BadRequest, named.StatusCode);
            Assert.Equal(9, (int)(await named.ReadObjectAsync())["code"]!);
        }

        Assert.Equal(0, await CountLinksAsync(user));

        // What came before it is final: it can be shared meanwhile.
        var before = await CreateAsync(user, conversation.Id, first.AssistantMessage.Id);
        Assert.Equal(2, (await ReadOverGrpcAsync(before.ShareId)).Messages.Count);

        await user.Grpc.CancelGenerationAsync(new CancelGenerationRequest { GenerationId = generating.GenerationId }, user.Options());
        await ChatCalls.ReadUntilEndAsync(running.ResponseStream);
        var ended = await CreateAsync(user, conversation.Id);
        Assert.Equal(generating.Id, ended.MessageId);
        var shared = await ReadOverGrpcAsync(ended.ShareId);
        Assert.Equal(4, shared.Messages.Count);
        Assert.Equal((await user.HistoryAsync(conversation.Id))[^1].Content, shared.Messages[^1].Content);
    }

    private async Task<(HttpStatusCode Status, string Body)> ReadOverRestAsync(string shareId)
    {
        // A client that sends no Authorization header: what a browser opening the link does.
        using var anonymous = fixture.CreateRestClient("chatservice");
        using var response = await anonymous.GetAsync($"/v1/shared/{shareId}");
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task<SharedConversation> ReadOverGrpcAsync(string shareId)
    {
        var anonymous = new SharedConversationService.SharedConversationServiceClient(fixture.CreateGrpcChannel("chatservice"));
        return await anonymous.GetSharedConversationAsync(new GetSharedConversationRequest { ShareId = shareId }, deadline: DateTime.UtcNow + ChatUser.CallTimeout);
    }

    /// <summary>A link that no longer works answers exactly as one that never was, over REST and gRPC.</summary>
    private async Task AssertEndedAsync(string shareId, string unknownBody)
    {
        var (status, body) = await ReadOverRestAsync(shareId);
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal(unknownBody, body);
        var ended = await Assert.ThrowsAsync<RpcException>(() => ReadOverGrpcAsync(shareId));
        Assert.Equal(StatusCode.NotFound, ended.StatusCode);
    }

    private static void AssertNothingOfTheOwner(string body, ChatUser owner, string conversationId, IEnumerable<string> messageIds)
    {
        string[] secrets = [owner.UserId.ToString(), owner.UserId.ToString("N"), owner.Email, conversationId, .. messageIds];
        Assert.All(secrets, secret => Assert.DoesNotContain(secret, body, StringComparison.OrdinalIgnoreCase));
    }

    private static async Task CheckRestAsync(string name, HttpResponseMessage response, HttpStatusCode expected, string? field, List<string> failures)
    {
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != expected)
        {
            failures.Add($"{name}: {(int)response.StatusCode} {text}, expected {(int)expected}");
            return;
        }

        var fields = JsonNode.Parse(text)!["details"]?.AsArray()
            .SelectMany(d => d!["fieldViolations"]?.AsArray() ?? []).Select(v => (string)v!["field"]!).ToList() ?? [];
        if (field is not null && !fields.Contains(field))
        {
            failures.Add($"{name}: violations [{string.Join(", ", fields)}] {text}, expected one naming {field}");
        }
    }

    private Task<long> CountLinksAsync(ChatUser user) =>
        ServiceDatabase.CountAsync(fixture, "chatdb", "SELECT count(*) FROM share_links WHERE \"UserId\" = @id", ("id", user.UserId));

    private static async Task<ShareLink> CreateAsync(ChatUser user, string conversationId, string? messageId = null)
    {
        var request = new CreateShareLinkRequest { ConversationId = conversationId };
        if (messageId is not null)
        {
            request.MessageId = messageId;
        }

        return await user.Grpc.CreateShareLinkAsync(request, user.Options());
    }

    /// <summary>A share id of the right form that no link has (128 random bits, as real ones).</summary>
    private static string UnknownShareId() =>
        Convert.ToBase64String(Guid.NewGuid().ToByteArray()).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>A role as proto3 JSON writes it (ROLE_USER), as the C# enum names it (User).</summary>
    private static string RoleOf(JsonNode message) =>
        ((string)message["role"]!)["ROLE_".Length..] switch
        {
            "USER" => nameof(Role.User),
            "ASSISTANT" => nameof(Role.Assistant),
            var other => other,
        };
}
