using System.Net;
using System.Text.Json.Nodes;
using GoChatAi.Contracts.Chat.V1;
using GoChatAi.Tests.Infrastructure;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace GoChatAi.Tests.EndToEnd;

/// <summary>SearchConversations over gRPC and REST: the caller's own words and titles, ranked, with snippets, paged.</summary>
[Collection(GoChatAiAppCollection.Name)]
public sealed class ChatSearchTests(GoChatAiAppFixture fixture)
{
    // Words made for each run, so that no other test's messages match: "zq<random>" stems to itself.
    private static string Word() => "zq" + Guid.NewGuid().ToString("N")[..10];

    [Fact]
    public async Task A_search_finds_the_callers_messages_and_titles_in_every_branch_and_archived_conversation_never_another_users()
    {
        var (user, stranger) = (await ChatUser.SignUpAsync(fixture), await ChatUser.SignUpAsync(fixture));
        var (word, other) = (Word(), Word());

        var plain = await user.CreateConversationAsync("Notes");
        var first = await SendAsync(user, plain.Id, $"The gardens of {word} were running wild.");
        await SendAsync(user, plain.Id, $"Nothing to see here but {other}.");
        var titled = await user.CreateConversationAsync($"All about {word}");
        var archived = await user.CreateConversationAsync("Put away");
        var inArchive = await SendAsync(user, archived.Id, $"An archived thought on {word}.");
        await user.Grpc.UpdateConversationAsync(new UpdateConversationRequest { ConversationId = archived.Id, Archived = true }, user.Options());
        // A branch off the active path: its words are found as well.
        var branch = await user.Grpc.SendMessageAsync(new SendMessageRequest { ConversationId = plain.Id, Content = $"A branch saying {word} again", ParentMessageId = first.Id }, user.Options());
        // Another user's message with the same word is never found.
        var theirs = await stranger.CreateConversationAsync($"Theirs {word}");
        await SendAsync(stranger, theirs.Id, $"The stranger also writes {word}.");

        var hits = (await SearchAsync(user, word)).Hits;
        Assert.Equal(
            new[] { first.Id, inArchive.Id, branch.Id, "title:" + titled.Id }.Order(),
            hits.Select(h => h.MessageId.Length > 0 ? h.MessageId : "title:" + h.Conversation.Id).Order());
        Assert.DoesNotContain(hits, h => h.Conversation.Id == theirs.Id);
        Assert.True(hits.Single(h => h.MessageId == inArchive.Id).Conversation.Archived);
        var titleHit = hits.Single(h => h.MessageId.Length == 0);
        Assert.Equal(Role.Unspecified, titleHit.Role);
        Assert.Equal($"All about {word}", titleHit.Snippet);

        // The snippet is plain text, the highlights mark exactly the word searched for.
        var hit = hits.Single(h => h.MessageId == first.Id);
        Assert.Equal(Role.User, hit.Role);
        Assert.Equal(plain.Id, hit.Conversation.Id);
        Assert.Equal("The gardens of " + word + " were running wild.", hit.Snippet);
        Assert.Equal(new[] { word }, hit.Highlights.Select(h => hit.Snippet.Substring(h.Start, h.Length)));

        // Stemming: "run" finds "running"; every word must occur; -word leaves out; "phrases" keep their order.
        Assert.Equal(new[] { first.Id }, (await SearchAsync(user, $"run {word}")).Hits.Select(h => h.MessageId));
        Assert.Equal(new[] { first.Id }, (await SearchAsync(user, $"{word} garden")).Hits.Select(h => h.MessageId));
        Assert.DoesNotContain((await SearchAsync(user, $"{word} -garden")).Hits, h => h.MessageId == first.Id);
        Assert.Equal(new[] { first.Id }, (await SearchAsync(user, $"\"gardens of {word}\"")).Hits.Select(h => h.MessageId));
        Assert.Empty((await SearchAsync(user, $"\"{word} gardens\"")).Hits);
        Assert.Equal(2, (await SearchAsync(user, $"{other} or run")).Hits.Count(h => h.Conversation.Id == plain.Id));

        // The stranger finds their own, and only their own.
        var strangers = (await SearchAsync(stranger, word)).Hits;
        Assert.Equal(2, strangers.Count);
        Assert.All(strangers, h => Assert.Equal(theirs.Id, h.Conversation.Id));

        // Deleted: gone from the results at once.
        await user.Grpc.DeleteConversationAsync(new DeleteConversationRequest { ConversationId = archived.Id }, user.Options());
        Assert.DoesNotContain((await SearchAsync(user, word)).Hits, h => h.Conversation.Id == archived.Id);
    }

    [Fact]
    public async Task Hits_come_best_first_and_page_without_overlap_over_grpc_and_rest()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        var word = Word();
        var conversation = await user.CreateConversationAsync();
        // The message that says the word most often ranks first; the rest tie on rank and come newest first.
        var best = await SendAsync(user, conversation.Id, $"{word} {word} {word} at the garden party {word}");
        var rest = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            rest.Add((await SendAsync(user, conversation.Id, $"Message {i} mentions {word} once among several other words")).Id);
        }

        var all = await SearchAsync(user, word, limit: 50);
        Assert.False(all.HasMore);
        Assert.Equal([best.Id, .. Enumerable.Reverse(rest)], all.Hits.Select(h => h.MessageId));

        var pages = new List<string>();
        for (var offset = 0; ; offset += 2)
        {
            var page = await SearchAsync(user, word, limit: 2, offset: offset);
            pages.AddRange(page.Hits.Select(h => h.MessageId));
            if (!page.HasMore)
            {
                break;
            }
        }

        Assert.Equal(all.Hits.Select(h => h.MessageId), pages);

        // REST: GET /v1/chat/search with the query in the URL, the same hits in lowerCamelCase JSON.
        using var client = user.Rest();
        using var response = await client.GetAsync($"/v1/chat/search?query={Uri.EscapeDataString($"\"garden party {word}\"")}&limit=5");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.ReadObjectAsync();
        var hit = Assert.Single(body["hits"]!.AsArray())!;
        Assert.Equal(best.Id, (string)hit["messageId"]!);
        Assert.Equal(conversation.Id, (string)hit["conversation"]!["id"]!);
        Assert.Equal("ROLE_USER", (string)hit["role"]!);
        var snippet = (string)hit["snippet"]!;
        Assert.Equal(
            new[] { "garden", "party", word },
            hit["highlights"]!.AsArray().Select(h => snippet.Substring((int)h!["start"]!, (int)h["length"]!)).Skip(hit["highlights"]!.AsArray().Count - 3));

        // Text a client could be tricked into rendering comes back as the text it was.
        var hostile = $"<script>alert('{word}')</script> <b>{word}</b>";
        var stored = await SendAsync(user, conversation.Id, hostile);
        var found = (await SearchAsync(user, word, limit: 50)).Hits.Single(h => h.MessageId == stored.Id);
        Assert.Contains("<script>", found.Snippet, StringComparison.Ordinal);
        Assert.All(found.Highlights, h => Assert.Equal(word, found.Snippet.Substring(h.Start, h.Length)));
    }

    [Fact]
    public async Task Imported_conversations_are_searched_as_the_importers_own()
    {
        var (user, other) = (await ChatUser.SignUpAsync(fixture), await ChatUser.SignUpAsync(fixture));
        var word = Word();
        var conversation = new Conversation { Id = Guid.NewGuid().ToString(), Title = "Imported", CreatedAt = Timestamp.FromDateTime(DateTime.UtcNow) };
        var message = new Message { Id = Guid.NewGuid().ToString(), Role = Role.User, Content = $"An imported note on {word}", CreatedAt = conversation.CreatedAt };
        var archive = new ConversationArchive { Format = "gochatai.conversations", Version = 1, Conversations = { new ExportedConversation { Conversation = conversation, Messages = { message } } } };

        var imported = await user.Archive.ImportConversationsAsync(
            new ImportConversationsRequest { Format = ImportFormat.Gochatai, File = ByteString.CopyFromUtf8(JsonFormatter.Default.Format(archive)) }, user.Options());

        var item = Assert.Single(imported.Items);
        Assert.Equal(ImportOutcome.Imported, item.Outcome);
        var hit = Assert.Single((await SearchAsync(user, word)).Hits);
        Assert.Equal(item.ConversationId, hit.Conversation.Id);
        Assert.Equal($"An imported note on {word}", hit.Snippet);
        Assert.Empty((await SearchAsync(other, word)).Hits);
    }

    [Fact]
    public async Task Bad_searches_are_refused_naming_the_field_and_the_service_keeps_serving()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        var cases = new (SearchConversationsRequest Request, string Field)[]
        {
            (new() { Query = "" }, "query"),
            (new() { Query = "   " }, "query"),
            (new() { Query = new string('a', 257) }, "query"),
            (new() { Query = "bad\u0001control" }, "query"),
            (new() { Query = "the and of" }, "query"),
            (new() { Query = "!!! ???" }, "query"),
            (new() { Query = "or or" }, "query"),
            (new() { Query = "-word" }, "query"),
            (new() { Query = "the -word" }, "query"),
            (new() { Query = "word", Limit = 0 }, "limit"),
            (new() { Query = "word", Limit = 51 }, "limit"),
            (new() { Query = "word", Offset = -1 }, "offset"),
            (new() { Query = "word", Offset = 1001 }, "offset"),
        };
        foreach (var (request, field) in cases)
        {
            var error = await Assert.ThrowsAsync<RpcException>(() => user.Grpc.SearchConversationsAsync(request, user.Options()).ResponseAsync);
            Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
            Assert.Equal([field], error.GetRpcStatus()!.GetDetail<Google.Rpc.BadRequest>()!.FieldViolations.Select(v => v.Field));
        }

        using var rest = user.Rest();
        using var response = await rest.GetAsync("/v1/chat/search?query=the");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var fields = (await response.ReadObjectAsync())["details"]!.AsArray().SelectMany(d => d!["fieldViolations"]?.AsArray() ?? []).Select(v => (string)v!["field"]!);
        Assert.Equal(["query"], fields);

        using var anonymous = fixture.CreateRestClient("chatservice");
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/v1/chat/search?query=word")).StatusCode);

        // Odd but valid queries answer (possibly nothing), never an error.
        foreach (var query in new[] { "\"unclosed phrase", "a & b | c", "x:*", "'quoted'", "(paren", "日本語 テキスト", "word -other" })
        {
            await SearchAsync(user, query);
        }
    }

    private static async Task<Message> SendAsync(ChatUser user, string conversationId, string content) =>
        await user.Grpc.SendMessageAsync(new SendMessageRequest { ConversationId = conversationId, Content = content }, user.Options());

    private static async Task<SearchConversationsResponse> SearchAsync(ChatUser user, string query, int limit = 20, int offset = 0) =>
        await user.Grpc.SearchConversationsAsync(new SearchConversationsRequest { Query = query, Limit = limit, Offset = offset }, user.Options());
}
