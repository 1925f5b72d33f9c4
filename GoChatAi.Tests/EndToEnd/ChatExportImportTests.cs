using System.Net;
using System.Net.Http.Headers;
using System.Text;
using GoChatAi.Contracts.Chat.V1;
using GoChatAi.Tests.Infrastructure;
using Google.Protobuf;
using Grpc.Core;

namespace GoChatAi.Tests.EndToEnd;

/// <summary>
/// Export and import (issue 16) over gRPC and REST: every message of every branch goes out and comes back as the same
/// tree, ChatGPT's conversations.json becomes branches, importing twice creates nothing, and a file refused (malformed,
/// of another format, too large) writes nothing, as chatdb itself shows.
/// </summary>
[Collection(GoChatAiAppCollection.Name)]
public sealed class ChatExportImportTests(GoChatAiAppFixture fixture)
{
    private static readonly JsonParser s_parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(false));

    private static string FixturePath => Path.Combine(AppContext.BaseDirectory, "Fixtures", "chatgpt-conversations.json");

    [Fact]
    public async Task Export_sends_every_message_of_every_branch_over_grpc_and_rest_and_markdown_shows_the_active_path()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        var branched = await BranchedConversationAsync(user, "Export *me*");
        var note = await user.CreateConversationAsync("A note");
        await user.Grpc.SendMessageAsync(new SendMessageRequest { ConversationId = note.Id, Content = "just a note to self" }, user.Options());

        // gRPC: all of them, oldest first, each whole.
        var all = await ExportGrpcAsync(user);
        Assert.Equal([branched.Id, note.Id], all.Select(c => c.Conversation.Id));
        var tree = all[0];
        Assert.Equal(7, tree.Messages.Count);
        Assert.Equal(await CountAsync("SELECT count(*) FROM messages WHERE \"ConversationId\" = @id", Guid.Parse(branched.Id)), tree.Messages.Count);
        var stored = await GetConversationAsync(user, branched.Id);
        Assert.Equal(stored, tree.Conversation);
        AssertParentsFirst(tree);
        Assert.All(tree.Messages, m => Assert.Empty(m.SiblingIds));
        Assert.All(tree.Messages.Where(m => m.Role == Role.Assistant), m =>
        {
            Assert.NotEqual("", m.Model);
            Assert.True(m.Usage.TotalTokens > 0, "an answer's usage is exported");
            Assert.Equal(FinishReason.Stop, m.FinishReason);
        });
        Assert.All(tree.Messages, m => Assert.True(m.CreatedAt.ToDateTimeOffset() >= stored.CreatedAt.ToDateTimeOffset()));
        // Both answers to the second question and both versions of it are there: three branches off the path.
        Assert.Equal(2, tree.Messages.Count(m => m.Content == "a second question" || m.Content == "the second question, edited"));
        Assert.Contains(stored.ActiveLeafId, tree.Messages.Select(m => m.Id));

        // gRPC: one of them.
        var one = Assert.Single(await ExportGrpcAsync(user, note.Id));
        Assert.Equal(all[1], one);

        // REST JSON: a ConversationArchive to download, the same conversations as gRPC sends.
        using var rest = user.Rest();
        using var json = await rest.GetAsync("/v1/chat/export?format=json");
        Assert.Equal(HttpStatusCode.OK, json.StatusCode);
        Assert.Equal("attachment", json.Content.Headers.ContentDisposition?.DispositionType);
        Assert.EndsWith(".json", json.Content.Headers.ContentDisposition?.FileName?.Trim('"'), StringComparison.Ordinal);
        var archive = s_parser.Parse<ConversationArchive>(await json.Content.ReadAsStringAsync());
        Assert.Equal("gochatai.conversations", archive.Format);
        Assert.Equal(1, archive.Version);
        Assert.True((DateTimeOffset.UtcNow - archive.ExportedAt.ToDateTimeOffset()).Duration() < TimeSpan.FromMinutes(5));
        Assert.Equal(all, archive.Conversations);
        using var jsonOne = await rest.GetAsync($"/v1/chat/export?conversation_id={branched.Id}");
        Assert.Equal([all[0]], s_parser.Parse<ConversationArchive>(await jsonOne.Content.ReadAsStringAsync()).Conversations);

        // REST Markdown: the titles, and the active path's text with who wrote it; not what is off the path.
        using var markdown = await rest.GetAsync("/v1/chat/export?format=markdown");
        Assert.Equal(HttpStatusCode.OK, markdown.StatusCode);
        Assert.StartsWith("text/markdown", markdown.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        Assert.Equal("attachment", markdown.Content.Headers.ContentDisposition?.DispositionType);
        var text = await markdown.Content.ReadAsStringAsync();
        Assert.Contains("## Export \\*me\\*", text, StringComparison.Ordinal);
        Assert.Contains("## A note", text, StringComparison.Ordinal);
        Assert.Contains("just a note to self", text, StringComparison.Ordinal);
        var path = await PathAsync(user, branched.Id);
        Assert.Equal(4, path.Messages.Count);
        var at = 0;
        foreach (var message in path.Messages)
        {
            var heading = text.IndexOf(message.Role == Role.User ? "### You" : $"### Assistant ({message.Model.Replace("_", "\\_", StringComparison.Ordinal)})", at, StringComparison.Ordinal);
            Assert.True(heading >= 0, $"the {message.Role} message at depth {path.Messages.IndexOf(message)} has its heading");
            at = text.IndexOf(message.Content, heading, StringComparison.Ordinal);
            Assert.True(at > heading, $"and its text after it: {message.Content}");
        }

        Assert.DoesNotContain("a second question", text, StringComparison.Ordinal);

        // Another user's conversation, and a bad id.
        var stranger = await ChatUser.SignUpAsync(fixture);
        var notFound = await Assert.ThrowsAsync<RpcException>(() => ExportGrpcAsync(stranger, branched.Id));
        Assert.Equal(StatusCode.NotFound, notFound.StatusCode);
        using var strangerRest = stranger.Rest();
        using var restNotFound = await strangerRest.GetAsync($"/v1/chat/export?format=markdown&conversation_id={branched.Id}");
        Assert.Equal(HttpStatusCode.NotFound, restNotFound.StatusCode);
        var badId = await Assert.ThrowsAsync<RpcException>(() => ExportGrpcAsync(user, "not-a-uuid"));
        Assert.Equal(StatusCode.InvalidArgument, badId.StatusCode);
        Assert.Equal(["conversation_id"], Fields(badId));
        using var badFormat = await rest.GetAsync("/v1/chat/export?format=pdf");
        Assert.Equal(HttpStatusCode.BadRequest, badFormat.StatusCode);
        Assert.Contains("format", await badFormat.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(await ExportGrpcAsync(stranger));
    }

    [Fact]
    public async Task A_conversation_exported_by_one_user_and_imported_by_another_has_the_same_tree_and_twice_is_a_duplicate()
    {
        var owner = await ChatUser.SignUpAsync(fixture);
        var original = await BranchedConversationAsync(owner, "Round trip");
        using var ownerRest = owner.Rest();
        using var download = await ownerRest.GetAsync("/v1/chat/export?format=json");
        var file = await download.Content.ReadAsByteArrayAsync();

        var reader = await ChatUser.SignUpAsync(fixture);
        var report = await reader.Archive.ImportConversationsAsync(
            new ImportConversationsRequest { Format = ImportFormat.Gochatai, File = ByteString.CopyFrom(file) }, reader.Options());
        var item = Assert.Single(report.Items);
        Assert.Equal((1, 0, 0), (report.ImportedCount, report.DuplicateCount, report.RefusedCount));
        Assert.Equal(ImportOutcome.Imported, item.Outcome);
        Assert.Equal(original.Id, item.SourceId);
        Assert.Equal("Round trip", item.Title);
        Assert.Equal(7, item.MessageCount);
        Assert.Equal("", item.Reason);
        Assert.NotEqual(original.Id, item.ConversationId);

        // The same conversation, settings, times and counters, with new ids.
        var before = Assert.Single(await ExportGrpcAsync(owner));
        var after = Assert.Single(await ExportGrpcAsync(reader));
        Assert.Equal(item.ConversationId, after.Conversation.Id);
        var (a, b) = (before.Conversation.Clone(), after.Conversation.Clone());
        (a.Id, a.ActiveLeafId, b.Id, b.ActiveLeafId) = ("", "", "", "");
        Assert.Equal(a, b);
        Assert.Equal(before.Messages.Count, after.Messages.Count);
        var newId = new Dictionary<string, string>();
        for (var i = 0; i < before.Messages.Count; i++)
        {
            var (was, now) = (before.Messages[i].Clone(), after.Messages[i].Clone());
            newId[was.Id] = now.Id;
            Assert.NotEqual(was.Id, now.Id);
            Assert.Equal(was.ParentId == "" ? "" : newId[was.ParentId], now.ParentId);
            Assert.Equal(after.Conversation.Id, now.ConversationId);
            (was.Id, was.ParentId, was.ConversationId, was.GenerationId) = ("", "", "", "");
            (now.Id, now.ParentId, now.ConversationId, now.GenerationId) = ("", "", "", "");
            Assert.Equal(was, now);
        }

        Assert.Equal(newId[before.Conversation.ActiveLeafId], after.Conversation.ActiveLeafId);

        // GetHistory shows the same path through every message, with the same siblings and leaf.
        foreach (var (wasId, nowId) in newId)
        {
            var (wasPath, nowPath) = (await PathAsync(owner, original.Id, wasId), await PathAsync(reader, item.ConversationId, nowId));
            Assert.Equal(wasPath.Messages.Select(m => newId[m.Id]), nowPath.Messages.Select(m => m.Id));
            Assert.Equal(wasPath.Messages.Select(m => m.SiblingIds.Select(s => newId[s]).ToList()), nowPath.Messages.Select(m => m.SiblingIds.ToList()));
            Assert.Equal(wasPath.Messages.Select(m => m.SiblingIndex), nowPath.Messages.Select(m => m.SiblingIndex));
            Assert.Equal(newId[wasPath.LeafId], nowPath.LeafId);
        }

        var activePath = await PathAsync(reader, item.ConversationId);
        Assert.Equal(after.Conversation.ActiveLeafId, activePath.LeafId);
        Assert.Equal(4, activePath.TotalCount);

        // Imported answers count no usage.
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM usage_ledger WHERE \"UserId\" = @id", reader.UserId));

        // The same file again, over REST: a duplicate of the conversation imported, nothing new written.
        var rows = await RowsAsync(reader);
        using var readerRest = reader.Rest();
        using var again = await ImportRestAsync(readerRest, file, "gochatai");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var duplicate = s_parser.Parse<ImportConversationsResponse>(await again.Content.ReadAsStringAsync());
        Assert.Equal((0, 1, 0), (duplicate.ImportedCount, duplicate.DuplicateCount, duplicate.RefusedCount));
        Assert.Equal(ImportOutcome.Duplicate, duplicate.Items[0].Outcome);
        Assert.Equal(item.ConversationId, duplicate.Items[0].ConversationId);
        Assert.Equal(rows, await RowsAsync(reader));

        // The owner importing their own export: their conversation holds it already.
        var own = await owner.Archive.ImportConversationsAsync(new ImportConversationsRequest { File = ByteString.CopyFrom(file) }, owner.Options());
        Assert.Equal(ImportOutcome.Duplicate, Assert.Single(own.Items).Outcome);
        Assert.Equal(original.Id, own.Items[0].ConversationId);
        Assert.Equal(1, await CountAsync("SELECT count(*) FROM conversations WHERE \"UserId\" = @id", owner.UserId));
    }

    [Fact]
    public async Task ChatGPT_s_export_becomes_the_same_branches_with_its_current_node_shown_and_importing_it_twice_creates_nothing()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        var file = await File.ReadAllBytesAsync(FixturePath);
        using var rest = user.Rest();
        using var response = await ImportRestAsync(rest, file, "chatgpt");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var report = s_parser.Parse<ImportConversationsResponse>(await response.Content.ReadAsStringAsync());
        Assert.Equal((2, 0, 1), (report.ImportedCount, report.DuplicateCount, report.RefusedCount));
        Assert.Equal(["chatgpt-fixture-branched", "chatgpt-fixture-linear", "chatgpt-fixture-empty"], report.Items.Select(i => i.SourceId));
        var (branched, linear, empty) = (report.Items[0], report.Items[1], report.Items[2]);
        Assert.Equal((ImportOutcome.Imported, 7, "Naming pets"), (branched.Outcome, branched.MessageCount, branched.Title));
        // What the user would miss is said: the image, and the model's call to its browser.
        Assert.Contains("1 image or file", branched.Reason, StringComparison.Ordinal);
        Assert.Contains("1 message that is not text", branched.Reason, StringComparison.Ordinal);
        Assert.Equal((ImportOutcome.Imported, 4, ""), (linear.Outcome, linear.MessageCount, linear.Reason));
        Assert.Equal((ImportOutcome.Refused, "", 0), (empty.Outcome, empty.ConversationId, empty.MessageCount));
        Assert.Contains("no message", empty.Reason, StringComparison.Ordinal);

        // The active path ends at current_node ("Nibbles.", after the hidden tool messages, follows the edited question).
        var path = await PathAsync(user, branched.ConversationId);
        Assert.Equal(["What is a good name for a cat?", "Whiskers.", "And for a hamster?", "Nibbles."], path.Messages.Select(m => m.Content));
        Assert.Equal([Role.User, Role.Assistant, Role.User, Role.Assistant], path.Messages.Select(m => m.Role));
        Assert.Equal([1, 2, 2, 1], path.Messages.Select(m => m.SiblingIds.Count));
        Assert.Equal([0, 0, 1, 0], path.Messages.Select(m => m.SiblingIndex));
        Assert.Equal(path.Messages[^1].Id, path.LeafId);
        var conversation = await GetConversationAsync(user, branched.ConversationId);
        Assert.Equal(path.LeafId, conversation.ActiveLeafId);
        Assert.Equal("Naming pets", conversation.Title);
        Assert.Equal(7, conversation.MessageCount);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123).AddTicks(4_560), conversation.CreatedAt.ToDateTimeOffset());
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_700_000_063), conversation.LastMessageAt.ToDateTimeOffset());
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_010_250), path.Messages[0].CreatedAt.ToDateTimeOffset());
        Assert.Equal("gpt-4o", path.Messages[1].Model);
        Assert.Equal(MessageStatus.Finished, path.Messages[3].Status);

        // The other branches, read through their messages: the first version of the question, the regenerated answer.
        var dog = await PathAsync(user, branched.ConversationId, path.Messages[2].SiblingIds[0]);
        Assert.Equal(["What is a good name for a cat?", "Whiskers.", "And for a dog?", "Rex."], dog.Messages.Select(m => m.Content));
        var regenerated = await PathAsync(user, branched.ConversationId, path.Messages[1].SiblingIds[1]);
        Assert.Equal(["What is a good name for a cat?", "Luna."], regenerated.Messages.Select(m => m.Content));
        Assert.Equal(("gpt-4o-mini", FinishReason.Length), (regenerated.Messages[1].Model, regenerated.Messages[1].FinishReason));
        Assert.Equal(
            ["Hello!", "Hi there, how can I help?", "Nothing, \nthanks.", "Goodbye!"],
            (await PathAsync(user, linear.ConversationId)).Messages.Select(m => m.Content));

        // Again, over gRPC, the format recognised: duplicates of the same conversations, the empty one refused again,
        // not a row more.
        var rows = await RowsAsync(user);
        var again = await user.Archive.ImportConversationsAsync(new ImportConversationsRequest { File = ByteString.CopyFrom(file) }, user.Options());
        Assert.Equal(
            [(ImportOutcome.Duplicate, branched.ConversationId), (ImportOutcome.Duplicate, linear.ConversationId), (ImportOutcome.Refused, "")],
            again.Items.Select(i => (i.Outcome, i.ConversationId)));
        Assert.Equal(rows, await RowsAsync(user));

        // Two imports of the same file at once: the unique index decides, each conversation is imported once.
        var racer = await ChatUser.SignUpAsync(fixture);
        var raced = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ =>
            racer.Archive.ImportConversationsAsync(new ImportConversationsRequest { Format = ImportFormat.Chatgpt, File = ByteString.CopyFrom(file) }, racer.Options()).ResponseAsync));
        foreach (var source in new[] { "chatgpt-fixture-branched", "chatgpt-fixture-linear" })
        {
            var outcomes = raced.Select(r => r.Items.Single(i => i.SourceId == source)).ToList();
            Assert.Equal([ImportOutcome.Imported, ImportOutcome.Duplicate], outcomes.Select(i => i.Outcome).Order());
            Assert.Single(outcomes.Select(i => i.ConversationId).Distinct());
        }

        Assert.Equal(2, await CountAsync("SELECT count(*) FROM conversations WHERE \"UserId\" = @id", racer.UserId));
        Assert.Equal(11, await CountAsync(MessagesOf, racer.UserId));
    }

    [Fact]
    public async Task A_file_that_is_malformed_of_another_format_or_too_large_is_refused_whole_and_writes_nothing()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        using var rest = user.Rest();
        var chatGpt = await File.ReadAllBytesAsync(FixturePath);
        var malformed = "[{\"title\": \"cut off\", \"mapping\": {"u8.ToArray();
        var unknown = "{\"hello\": \"world\"}"u8.ToArray();
        var limit = GoChatAiAppFixture.ImportLimitBytes;
        // Valid JSON, just over the limit; and far over it, past the gRPC message limit itself.
        var justOver = Encoding.UTF8.GetBytes("[" + new string(' ', limit - 1) + "]");
        var farOver = Encoding.UTF8.GetBytes("[" + new string(' ', (2 * limit) + 10) + "]");
        var cases = new (byte[] File, ImportFormat Format, string Query, string Field)[]
        {
            (malformed, ImportFormat.Unspecified, "", "file"),
            (unknown, ImportFormat.Unspecified, "", "file"),
            (chatGpt, ImportFormat.Gochatai, "?format=gochatai", "format"),
            (justOver, ImportFormat.Chatgpt, "?format=chatgpt", "file"),
            (farOver, ImportFormat.Chatgpt, "?format=chatgpt", "file"),
        };
        foreach (var (file, format, query, field) in cases)
        {
            var refused = await Assert.ThrowsAsync<RpcException>(() =>
                user.Archive.ImportConversationsAsync(new ImportConversationsRequest { Format = format, File = ByteString.CopyFrom(file) }, user.Options()).ResponseAsync);
            Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
            Assert.Equal([field], Fields(refused));

            using var response = await ImportRestAsync(rest, file, query.Length == 0 ? null : query["?format=".Length..]);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(HttpStatusCode.BadRequest == response.StatusCode, $"{query} {file.Length} bytes: {(int)response.StatusCode} {body}");
            Assert.Contains($"\"field\":\"{field}\"", body.Replace(" ", "", StringComparison.Ordinal), StringComparison.Ordinal);
        }

        using var unknownFormat = await ImportRestAsync(rest, chatGpt, "claude");
        Assert.Equal(HttpStatusCode.BadRequest, unknownFormat.StatusCode);

        // Neither route answers without a token.
        using var anonymous = fixture.CreateRestClient("chatservice");
        using var anonymousExport = await anonymous.GetAsync("/v1/chat/export");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymousExport.StatusCode);
        using var anonymousImport = await ImportRestAsync(anonymous, chatGpt, "chatgpt");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymousImport.StatusCode);
        Assert.Equal((0L, 0L, 0L), await RowsAsync(user));
    }

    [Fact]
    public async Task A_file_with_bad_conversations_imports_the_others_and_says_why_each_bad_one_was_refused()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        var at = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero));
        ExportedConversation Conversation(string id, string title, params Message[] messages) => new()
        {
            Conversation = new Conversation { Id = id, Title = title, CreatedAt = at, UpdatedAt = at },
            Messages = { messages },
        };
        Message Said(string id, string parent, Role role, string content) => new() { Id = id, ParentId = parent, Role = role, Content = content, CreatedAt = at };
        var archive = new ConversationArchive
        {
            Format = "gochatai.conversations",
            Version = 1,
            ExportedAt = at,
            Conversations =
            {
                Conversation("11111111-1111-7111-8111-111111111111", "good", Said("m1", "", Role.User, "hi"), Said("m2", "m1", Role.Assistant, "hello")),
                Conversation("22222222-2222-7222-8222-222222222222", "orphan", Said("m1", "", Role.User, "hi"), Said("m2", "gone", Role.Assistant, "hello")),
                Conversation("33333333-3333-7333-8333-333333333333", "loop", Said("m0", "", Role.User, "hi"), Said("m1", "m2", Role.User, "a"), Said("m2", "m1", Role.Assistant, "b")),
                Conversation("44444444-4444-7444-8444-444444444444", "empty"),
            },
        };
        var file = Encoding.UTF8.GetBytes(JsonFormatter.Default.Format(archive));

        var report = await user.Archive.ImportConversationsAsync(new ImportConversationsRequest { File = ByteString.CopyFrom(file) }, user.Options());
        Assert.Equal((1, 0, 3), (report.ImportedCount, report.DuplicateCount, report.RefusedCount));
        Assert.Equal(
            [ImportOutcome.Imported, ImportOutcome.Refused, ImportOutcome.Refused, ImportOutcome.Refused],
            report.Items.Select(i => i.Outcome));
        Assert.Contains("follows message gone", report.Items[1].Reason, StringComparison.Ordinal);
        Assert.Contains("loop", report.Items[2].Reason, StringComparison.Ordinal);
        Assert.Contains("no message", report.Items[3].Reason, StringComparison.Ordinal);
        Assert.All(report.Items.Skip(1), i => Assert.Equal("", i.ConversationId));

        // Only the good one was written.
        Assert.Equal((1L, 2L, 1L), await RowsAsync(user));
        Assert.Equal(["hi", "hello"], (await PathAsync(user, report.Items[0].ConversationId)).Messages.Select(m => m.Content));
    }

    /// <summary>A conversation of 7 messages and three branches: an answer regenerated, then a message edited.</summary>
    private static async Task<Conversation> BranchedConversationAsync(ChatUser user, string title)
    {
        var conversation = await user.CreateConversationAsync(title);
        await ChatAsync(user, conversation.Id, "a first question");
        var second = await ChatAsync(user, conversation.Id, "a second question");
        await ReadToEndAsync(user.Grpc.RegenerateAnswer(
            new RegenerateAnswerRequest { ConversationId = conversation.Id, MessageId = second.AssistantMessage.Id }, user.Options()).ResponseStream);
        await ReadToEndAsync(user.Grpc.EditMessage(
            new EditMessageRequest { ConversationId = conversation.Id, MessageId = second.UserMessage.Id, Content = "the second question, edited" }, user.Options()).ResponseStream);
        return await GetConversationAsync(user, conversation.Id);
    }

    private static async Task<ChatWithAIResponse> ChatAsync(ChatUser user, string conversationId, string message) =>
        await user.Grpc.ChatWithAIAsync(new ChatWithAIRequest { ConversationId = conversationId, Message = message }, user.Options());

    private static async Task ReadToEndAsync(IAsyncStreamReader<ChatEvent> stream)
    {
        while (await stream.MoveNext(CancellationToken.None))
        {
            if (stream.Current.EventCase is ChatEvent.EventOneofCase.Completed or ChatEvent.EventOneofCase.Failed)
            {
                Assert.Equal(ChatEvent.EventOneofCase.Completed, stream.Current.EventCase);
                return;
            }
        }
    }

    private static async Task<List<ExportedConversation>> ExportGrpcAsync(ChatUser user, string? conversationId = null)
    {
        var request = new ExportConversationsRequest();
        if (conversationId is not null)
        {
            request.ConversationId = conversationId;
        }

        using var call = user.Archive.ExportConversations(request, user.Options());
        var exported = new List<ExportedConversation>();
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            exported.Add(call.ResponseStream.Current);
        }

        return exported;
    }

    private static async Task<HttpResponseMessage> ImportRestAsync(HttpClient rest, byte[] file, string? format)
    {
        var content = new ByteArrayContent(file);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return await rest.PostAsync(format is null ? "/v1/chat/import" : $"/v1/chat/import?format={format}", content);
    }

    /// <summary>Every message follows one exported before it.</summary>
    private static void AssertParentsFirst(ExportedConversation exported)
    {
        var seen = new HashSet<string>();
        foreach (var message in exported.Messages)
        {
            Assert.True(message.ParentId == "" || seen.Contains(message.ParentId), $"{message.Id} comes after its parent");
            seen.Add(message.Id);
        }
    }

    private static Task<GetHistoryResponse> PathAsync(ChatUser user, string conversationId, string? messageId = null) =>
        user.PathAsync(conversationId, messageId);

    private static async Task<Conversation> GetConversationAsync(ChatUser user, string conversationId) =>
        await user.Grpc.GetConversationAsync(new GetConversationRequest { ConversationId = conversationId }, user.Options());

    private const string MessagesOf = "SELECT count(*) FROM messages m JOIN conversations c ON c.\"Id\" = m.\"ConversationId\" WHERE c.\"UserId\" = @id";

    /// <summary>The user's conversations, messages and branches as chatdb holds them.</summary>
    private async Task<(long Conversations, long Messages, long Branches)> RowsAsync(ChatUser user) => (
        await CountAsync("SELECT count(*) FROM conversations WHERE \"UserId\" = @id", user.UserId),
        await CountAsync(MessagesOf, user.UserId),
        await CountAsync("SELECT count(*) FROM branches b JOIN conversations c ON c.\"Id\" = b.\"ConversationId\" WHERE c.\"UserId\" = @id", user.UserId));

    private Task<long> CountAsync(string sql, Guid id) => ServiceDatabase.CountAsync(fixture, "chatdb", sql, ("id", id));

    private static string[] Fields(RpcException exception) =>
        exception.GetRpcStatus()?.GetDetail<Google.Rpc.BadRequest>()?.FieldViolations.Select(v => v.Field).ToArray() ?? [];
}
