using System.Net;
using System.Text.Json.Nodes;
using GoChatAi.Contracts.Chat.V1;
using GoChatAi.Tests.Infrastructure;
using Grpc.Core;

namespace GoChatAi.Tests.EndToEnd;

/// <summary>
/// Conversations as trees (issue 15): RegenerateAnswer, EditMessage, SwitchBranch, parent_message_id, and GetHistory
/// along a path, over gRPC, the transcoded routes and the Server-Sent Events routes. What the model was sent is read
/// from the stand-in's journal; what must be gone or must not have been written, from chatdb itself.
/// </summary>
[Collection(GoChatAiAppCollection.Name)]
public sealed class ChatBranchTests(GoChatAiAppFixture fixture)
{
    private static readonly string[] s_eventKinds = ["messageCreated", "generationStarted", "delta", "completed", "failed"];

    [Fact]
    public async Task Regenerating_an_answer_twice_keeps_all_three_answers_as_siblings_and_switching_shows_each()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        var conversation = await user.CreateConversationAsync("regenerate twice");
        var first = await user.Grpc.ChatWithAIAsync(
            new ChatWithAIRequest { ConversationId = conversation.Id, Message = "Tell me a fact " + DevModelJournal.Directive("tokens=6", out var key) }, user.Options());
        var question = first.UserMessage;
        var a1 = first.AssistantMessage;
        Assert.Equal("", question.ParentId);
        Assert.Equal(question.Id, a1.ParentId);

        var second = await RegenerateAsync(user, conversation.Id, a1.Id);
        var a2 = AssertAnswerStream(second, question.Id);
        var third = await RegenerateAsync(user, conversation.Id, a2);
        var a3 = AssertAnswerStream(third, question.Id);
        Assert.Equal(3, new[] { a1.Id, a2, a3 }.Distinct().Count());
        string[] answers = [a1.Id, a2, a3];

        // The newest answer is shown; each answer on the path knows its two siblings, oldest first.
        var path = await PathAsync(user, conversation.Id);
        Assert.Equal([question.Id, a3], path.Messages.Select(m => m.Id));
        Assert.Equal(2, path.TotalCount);
        Assert.Equal(a3, path.LeafId);
        Assert.Equal([question.Id], path.Messages[0].SiblingIds);
        Assert.Equal(0, path.Messages[0].SiblingIndex);
        Assert.Equal("", path.Messages[0].ParentId);
        Assert.Equal(answers, path.Messages[1].SiblingIds);
        Assert.Equal(2, path.Messages[1].SiblingIndex);
        Assert.Equal(question.Id, path.Messages[1].ParentId);
        Assert.Equal(string.Concat(third.Where(e => e.EventCase == ChatEvent.EventOneofCase.Delta).Select(e => e.Delta.Text)), path.Messages[1].Content);
        Assert.Equal(MessageStatus.Finished, path.Messages[1].Status);
        var read = await GetConversationAsync(user, conversation.Id);
        Assert.Equal(a3, read.ActiveLeafId);
        Assert.Equal(4, read.MessageCount);

        // Every answer was asked for with the same context: the question, and none of the other answers.
        var requests = await DevModelJournal.RequestsAsync(fixture, key);
        Assert.Equal(3, requests.Count);
        Assert.All(requests, request =>
        {
            var messages = Messages(request);
            Assert.Equal(("user", question.Content), messages[^1]);
            Assert.DoesNotContain(messages, m => m.Role == "assistant");
        });

        // Switching to each answer shows it, at its index, and moves the active leaf; nothing else changes.
        for (var index = 0; index < answers.Length; index++)
        {
            var switched = await user.Grpc.SwitchBranchAsync(new SwitchBranchRequest { ConversationId = conversation.Id, MessageId = answers[index] }, user.Options());
            Assert.Equal(answers[index], switched.ActiveLeafId);
            Assert.Equal(conversation.Id, switched.Id);
            Assert.Equal(4, switched.MessageCount);
            var shown = await PathAsync(user, conversation.Id);
            Assert.Equal([question.Id, answers[index]], shown.Messages.Select(m => m.Id));
            Assert.Equal(answers, shown.Messages[1].SiblingIds);
            Assert.Equal(index, shown.Messages[1].SiblingIndex);
            Assert.Equal(answers[index], shown.LeafId);
            Assert.Equal(answers[index], (await GetConversationAsync(user, conversation.Id)).ActiveLeafId);
        }

        // Reading another path through message_id changes nothing.
        var other = await PathAsync(user, conversation.Id, a1.Id);
        Assert.Equal([question.Id, a1.Id], other.Messages.Select(m => m.Id));
        Assert.Equal(a1.Id, other.LeafId);
        Assert.Equal(0, other.Messages[1].SiblingIndex);
        Assert.Equal(a3, (await GetConversationAsync(user, conversation.Id)).ActiveLeafId);
        Assert.Equal(3, (await DevModelJournal.RequestsAsync(fixture, key)).Count);
    }

    [Fact]
    public async Task Over_rest_the_transcoded_routes_regenerate_switch_branches_and_read_a_path()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        var conversation = await user.CreateConversationAsync("over rest");
        using var rest = user.Rest();
        using var chat = await rest.PostAsync("/v1/chat/ai", RestJson.Json(new { conversationId = conversation.Id, message = "A question over REST [[devmodel: tokens=4]]" }));
        Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
        var chatBody = await chat.ReadObjectAsync();
        var question = (string)chatBody["userMessage"]!["id"]!;
        var a1 = (string)chatBody["assistantMessage"]!["id"]!;
        Assert.Equal(question, (string)chatBody["assistantMessage"]!["parentId"]!);

        var answers = new List<string> { a1 };
        for (var i = 0; i < 2; i++)
        {
            var events = await PostJsonLinesAsync(rest, $"/v1/chat/conversations/{conversation.Id}/messages/{answers[^1]}:regenerate", new { maxTokens = 50 });
            Assert.Equal(["generationStarted", "delta", "completed"], events.Select(Kind).WithDeltasAsOne());
            Assert.Equal(question, (string)events[0]["generationStarted"]!["message"]!["parentId"]!);
            Assert.Equal("FINISH_REASON_STOP", (string)events[^1]["completed"]!["finishReason"]!);
            answers.Add((string)events[^1]["completed"]!["messageId"]!);
        }

        using (var history = await rest.GetAsync($"/v1/chat/history/{conversation.Id}"))
        {
            Assert.Equal(HttpStatusCode.OK, history.StatusCode);
            var body = await history.ReadObjectAsync();
            Assert.Equal(2, (int)body["totalCount"]!);
            Assert.Equal(answers[2], (string)body["leafId"]!);
            var answer = body["messages"]![1]!;
            Assert.Equal(answers[2], (string)answer["id"]!);
            Assert.Equal(answers, answer["siblingIds"]!.AsArray().Select(id => (string)id!));
            Assert.Equal(2, SiblingIndex(answer));
            Assert.Equal(question, (string)answer["parentId"]!);
        }

        // No body is needed to switch.
        using (var switched = await rest.PostAsync($"/v1/chat/conversations/{conversation.Id}/messages/{answers[1]}:switchBranch", null))
        {
            Assert.Equal(HttpStatusCode.OK, switched.StatusCode);
            var body = await switched.ReadObjectAsync();
            Assert.Equal(answers[1], (string)body["activeLeafId"]!);
            Assert.Equal(conversation.Id, (string)body["id"]!);
        }

        using (var read = await rest.GetAsync($"/v1/chat/conversations/{conversation.Id}"))
        {
            Assert.Equal(answers[1], (string)(await read.ReadObjectAsync())["activeLeafId"]!);
        }

        using (var history = await rest.GetAsync($"/v1/chat/history/{conversation.Id}"))
        {
            var body = await history.ReadObjectAsync();
            Assert.Equal(answers[1], (string)body["leafId"]!);
            Assert.Equal(1, SiblingIndex(body["messages"]![1]!));
        }

        using (var through = await rest.GetAsync($"/v1/chat/history/{conversation.Id}?messageId={answers[0]}"))
        {
            Assert.Equal(HttpStatusCode.OK, through.StatusCode);
            var body = await through.ReadObjectAsync();
            Assert.Equal(answers[0], (string)body["leafId"]!);
            Assert.Equal([question, answers[0]], body["messages"]!.AsArray().Select(m => (string)m!["id"]!));
            Assert.Equal(0, SiblingIndex(body["messages"]![1]!));
        }

        Assert.Equal(answers[1], (await GetConversationAsync(user, conversation.Id)).ActiveLeafId);
    }

    [Fact]
    public async Task Editing_a_message_in_the_middle_sends_the_model_only_the_new_path_and_later_messages_follow_it()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        var conversation = await user.CreateConversationAsync("edit in the middle", systemPrompt: "Be brief.");
        var turn1 = await user.ChatAsync(conversation.Id, "first question");
        var turn2 = await user.ChatAsync(conversation.Id, "second question OLD-WORDING");
        var turn3 = await user.ChatAsync(conversation.Id, "third question AFTER-THE-EDIT-POINT");
        var q1 = turn1.UserMessage;
        var a1 = turn1.AssistantMessage;
        var q2 = turn2.UserMessage;

        var edited = "second question NEW-WORDING " + DevModelJournal.Directive("tokens=5", out var editKey);
        using var call = user.Grpc.EditMessage(new EditMessageRequest { ConversationId = conversation.Id, MessageId = q2.Id, Content = edited }, user.Options());
        var events = await ChatCalls.ReadUntilEndAsync(call.ResponseStream);

        Assert.Equal(ChatEvent.EventOneofCase.MessageCreated, events[0].EventCase);
        var q2Edited = events[0].MessageCreated.Message;
        Assert.Equal(edited, q2Edited.Content);
        Assert.Equal(Role.User, q2Edited.Role);
        Assert.Equal(a1.Id, q2Edited.ParentId);
        Assert.NotEqual(q2.Id, q2Edited.Id);
        var a2Edited = AssertAnswerStream(events[1..], q2Edited.Id);

        // The model got the system prompt and the path to the edited message's parent, then the new text: not the
        // old wording, nothing that followed it on the old branch.
        var request = Assert.Single(await DevModelJournal.RequestsAsync(fixture, editKey));
        Assert.Equal(
            [("system", "Be brief."), ("user", q1.Content), ("assistant", a1.Content), ("user", edited)],
            Messages(request));
        Assert.DoesNotContain("OLD-WORDING", request.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain("AFTER-THE-EDIT-POINT", request.ToJsonString(), StringComparison.Ordinal);

        // The new branch is shown; the edited message knows the message it replaces as its older sibling.
        var path = await PathAsync(user, conversation.Id);
        Assert.Equal([q1.Id, a1.Id, q2Edited.Id, a2Edited], path.Messages.Select(m => m.Id));
        Assert.Equal(4, path.TotalCount);
        Assert.Equal(a2Edited, path.LeafId);
        Assert.Equal([q2.Id, q2Edited.Id], path.Messages[2].SiblingIds);
        Assert.Equal(1, path.Messages[2].SiblingIndex);
        Assert.Equal([a2Edited], path.Messages[3].SiblingIds);
        var read = await GetConversationAsync(user, conversation.Id);
        Assert.Equal(a2Edited, read.ActiveLeafId);
        Assert.Equal(8, read.MessageCount);

        // The old branch is kept whole, and read through the edited message.
        var old = await PathAsync(user, conversation.Id, q2.Id);
        Assert.Equal(
            [q1.Id, a1.Id, q2.Id, turn2.AssistantMessage.Id, turn3.UserMessage.Id, turn3.AssistantMessage.Id],
            old.Messages.Select(m => m.Id));
        Assert.Equal(6, old.TotalCount);
        Assert.Equal(turn3.AssistantMessage.Id, old.LeafId);
        Assert.Equal(0, old.Messages[2].SiblingIndex);

        // A later message follows the new branch, and so does its context.
        var fourth = await user.Grpc.ChatWithAIAsync(
            new ChatWithAIRequest { ConversationId = conversation.Id, Message = "fourth question " + DevModelJournal.Directive("tokens=3", out var fourthKey) }, user.Options());
        Assert.Equal(a2Edited, fourth.UserMessage.ParentId);
        var fourthRequest = Assert.Single(await DevModelJournal.RequestsAsync(fixture, fourthKey));
        Assert.Equal(
            [("system", "Be brief."), ("user", q1.Content), ("assistant", a1.Content), ("user", edited), ("assistant", path.Messages[3].Content), ("user", fourth.UserMessage.Content)],
            Messages(fourthRequest));
        Assert.Equal(fourth.AssistantMessage.Id, (await GetConversationAsync(user, conversation.Id)).ActiveLeafId);

        // Switching back to the old wording goes to the newest message under it, and the model follows that path.
        var switched = await user.Grpc.SwitchBranchAsync(new SwitchBranchRequest { ConversationId = conversation.Id, MessageId = q2.Id }, user.Options());
        Assert.Equal(turn3.AssistantMessage.Id, switched.ActiveLeafId);
        var fifth = await user.Grpc.ChatWithAIAsync(
            new ChatWithAIRequest { ConversationId = conversation.Id, Message = "fifth question " + DevModelJournal.Directive("tokens=3", out var fifthKey) }, user.Options());
        Assert.Equal(turn3.AssistantMessage.Id, fifth.UserMessage.ParentId);
        var fifthRequest = Assert.Single(await DevModelJournal.RequestsAsync(fixture, fifthKey));
        Assert.Equal(
            [("system", "Be brief."), ("user", q1.Content), ("assistant", a1.Content), ("user", q2.Content), ("assistant", turn2.AssistantMessage.Content),
             ("user", turn3.UserMessage.Content), ("assistant", turn3.AssistantMessage.Content), ("user", fifth.UserMessage.Content)],
            Messages(fifthRequest));
        Assert.DoesNotContain("NEW-WORDING", fifthRequest.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_parent_message_id_puts_a_new_message_beside_the_one_that_already_followed_it()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        var conversation = await user.CreateConversationAsync("parent message ids");
        var first = await user.ChatAsync(conversation.Id, "the first question");
        var second = await user.ChatAsync(conversation.Id, "the second question");
        var a1 = first.AssistantMessage.Id;

        // SendMessage after the first answer: a sibling of the second question, and the new active leaf.
        var aside = await user.Grpc.SendMessageAsync(
            new SendMessageRequest { ConversationId = conversation.Id, Content = "an aside", ParentMessageId = a1 }, user.Options());
        Assert.Equal(a1, aside.ParentId);
        var path = await PathAsync(user, conversation.Id);
        Assert.Equal([first.UserMessage.Id, a1, aside.Id], path.Messages.Select(m => m.Id));
        Assert.Equal([second.UserMessage.Id, aside.Id], path.Messages[2].SiblingIds);
        Assert.Equal(1, path.Messages[2].SiblingIndex);
        Assert.Equal(aside.Id, (await GetConversationAsync(user, conversation.Id)).ActiveLeafId);

        // ChatWithAI after the first answer too: a third sibling, answered with the path to its parent only.
        var third = await user.Grpc.ChatWithAIAsync(new ChatWithAIRequest
        {
            ConversationId = conversation.Id,
            ParentMessageId = a1,
            Message = "another way " + DevModelJournal.Directive("tokens=3", out var key),
        }, user.Options());
        Assert.Equal(a1, third.UserMessage.ParentId);
        Assert.Equal(third.UserMessage.Id, third.AssistantMessage.ParentId);
        var request = Assert.Single(await DevModelJournal.RequestsAsync(fixture, key));
        Assert.Equal([("user", first.UserMessage.Content), ("assistant", first.AssistantMessage.Content), ("user", third.UserMessage.Content)], Messages(request));

        path = await PathAsync(user, conversation.Id);
        Assert.Equal([first.UserMessage.Id, a1, third.UserMessage.Id, third.AssistantMessage.Id], path.Messages.Select(m => m.Id));
        Assert.Equal([second.UserMessage.Id, aside.Id, third.UserMessage.Id], path.Messages[2].SiblingIds);
        Assert.Equal(2, path.Messages[2].SiblingIndex);
        var read = await GetConversationAsync(user, conversation.Id);
        Assert.Equal(third.AssistantMessage.Id, read.ActiveLeafId);
        Assert.Equal(7, read.MessageCount);
    }

    [Fact]
    public async Task Regenerating_with_a_user_message_answers_that_message_and_again_beside_its_answer()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        var conversation = await user.CreateConversationAsync("answer a stored message");
        var earlier = await user.ChatAsync(conversation.Id, "an earlier exchange");
        var stored = await user.Grpc.SendMessageAsync(new SendMessageRequest
        {
            ConversationId = conversation.Id,
            Content = "stored without an answer " + DevModelJournal.Directive("tokens=3", out var key),
        }, user.Options());
        Assert.Equal(earlier.AssistantMessage.Id, stored.ParentId);

        var first = AssertAnswerStream(await RegenerateAsync(user, conversation.Id, stored.Id), stored.Id);
        var second = AssertAnswerStream(await RegenerateAsync(user, conversation.Id, stored.Id), stored.Id);

        var path = await PathAsync(user, conversation.Id);
        Assert.Equal([earlier.UserMessage.Id, earlier.AssistantMessage.Id, stored.Id, second], path.Messages.Select(m => m.Id));
        Assert.Equal([first, second], path.Messages[3].SiblingIds);
        Assert.Equal(1, path.Messages[3].SiblingIndex);
        var requests = await DevModelJournal.RequestsAsync(fixture, key);
        Assert.Equal(2, requests.Count);
        Assert.All(requests, request => Assert.Equal(
            [("user", earlier.UserMessage.Content), ("assistant", earlier.AssistantMessage.Content), ("user", stored.Content)], Messages(request)));
        Assert.Equal(5, (await GetConversationAsync(user, conversation.Id)).MessageCount);
    }

    [Fact]
    public async Task A_page_token_stays_on_the_path_of_the_first_page_after_a_branch_switch()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        var conversation = await user.CreateConversationAsync("paging a path");
        var root = await user.Grpc.SendMessageAsync(new SendMessageRequest { ConversationId = conversation.Id, Content = "root" }, user.Options());
        var oldLine = new List<string> { root.Id };
        for (var i = 0; i < 4; i++)
        {
            oldLine.Add((await user.Grpc.SendMessageAsync(new SendMessageRequest { ConversationId = conversation.Id, Content = $"old {i}" }, user.Options())).Id);
        }

        var newLine = new List<string> { root.Id };
        for (var i = 0; i < 4; i++)
        {
            var parent = i == 0 ? root.Id : null;
            var request = new SendMessageRequest { ConversationId = conversation.Id, Content = $"new {i}" };
            if (parent is not null)
            {
                request.ParentMessageId = parent;
            }

            newLine.Add((await user.Grpc.SendMessageAsync(request, user.Options())).Id);
        }

        var firstPage = await user.Grpc.GetHistoryAsync(new GetHistoryRequest { ConversationId = conversation.Id, Limit = 2 }, user.Options());
        Assert.Equal(newLine.Take(2), firstPage.Messages.Select(m => m.Id));
        Assert.Equal(5, firstPage.TotalCount);
        Assert.NotEmpty(firstPage.NextPageToken);

        await user.Grpc.SwitchBranchAsync(new SwitchBranchRequest { ConversationId = conversation.Id, MessageId = oldLine[1] }, user.Options());
        var seen = firstPage.Messages.Select(m => m.Id).ToList();
        var token = firstPage.NextPageToken;
        while (token.Length > 0)
        {
            var page = await user.Grpc.GetHistoryAsync(new GetHistoryRequest { ConversationId = conversation.Id, Limit = 2, PageToken = token }, user.Options());
            seen.AddRange(page.Messages.Select(m => m.Id));
            token = page.NextPageToken;
        }

        Assert.Equal(newLine, seen);
        Assert.Equal(oldLine, (await PathAsync(user, conversation.Id)).Messages.Select(m => m.Id));
    }

    [Fact]
    public async Task The_sse_regenerate_endpoint_streams_the_new_answer_and_resumes_after_the_last_event_id()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        var conversation = await user.CreateConversationAsync("sse regenerate");
        var first = await user.ChatAsync(conversation.Id, "slowly please " + DevModelJournal.Directive("tokens=12; slow=40ms", out var key));
        using var rest = user.Rest();
        var route = $"/v1/chat/conversations/{conversation.Id}/messages/{first.AssistantMessage.Id}/regenerate/stream";

        var seen = new List<ServerSentEventReader.SseEvent>();
        using (var request = new HttpRequestMessage(HttpMethod.Post, route) { Content = RestJson.Json(new { }) })
        {
            request.Headers.Accept.ParseAdd("text/event-stream");
            using var response = await rest.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
            using var reader = new ServerSentEventReader(await response.Content.ReadAsStreamAsync());
            while (seen.Count(e => e.Name == "delta") < 3 && await reader.ReadAsync(CancellationToken.None) is { } sse)
            {
                seen.Add(sse);
            }

            // Leaving here drops the connection with most of the answer still to come.
        }

        using (var resume = new HttpRequestMessage(HttpMethod.Post, route) { Content = RestJson.Json(new { }) })
        {
            resume.Headers.Add("Last-Event-ID", seen[^1].Id);
            using var resumed = await rest.SendAsync(resume, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
            using var reader = new ServerSentEventReader(await resumed.Content.ReadAsStreamAsync());
            while (await reader.ReadAsync(CancellationToken.None) is { } sse)
            {
                seen.Add(sse);
            }
        }

        Assert.Equal(["generation_started", .. Enumerable.Repeat("delta", 12), "completed"], seen.Select(e => e.Name));
        Assert.Equal(seen.Count, seen.Select(e => e.Id).Distinct().Count());
        var completed = JsonNode.Parse(seen[^1].Data)!["completed"]!;
        Assert.Equal("FINISH_REASON_STOP", (string)completed["finishReason"]!);
        var answerId = (string)completed["messageId"]!;
        var text = string.Concat(seen.Where(e => e.Name == "delta").Select(e => (string)JsonNode.Parse(e.Data)!["delta"]!["text"]!));

        // The resume followed the answer; it did not regenerate again.
        var path = await PathAsync(user, conversation.Id);
        Assert.Equal([first.UserMessage.Id, answerId], path.Messages.Select(m => m.Id));
        Assert.Equal(text, path.Messages[1].Content);
        Assert.Equal([first.AssistantMessage.Id, answerId], path.Messages[1].SiblingIds);
        Assert.Equal(3, (await GetConversationAsync(user, conversation.Id)).MessageCount);
        Assert.Equal(2, (await DevModelJournal.RequestsAsync(fixture, key)).Count);
    }

    [Fact]
    public async Task The_sse_edit_endpoint_streams_the_new_message_and_its_answer()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        var conversation = await user.CreateConversationAsync("sse edit");
        var first = await user.ChatAsync(conversation.Id, "the very first message");
        await user.ChatAsync(conversation.Id, "a second message");
        using var rest = user.Rest();
        var edited = "the first message, edited " + DevModelJournal.Directive("tokens=5", out var key);

        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/chat/conversations/{conversation.Id}/messages/{first.UserMessage.Id}/edit/stream")
        {
            Content = RestJson.Json(new { content = edited }),
        };
        request.Headers.Accept.ParseAdd("text/event-stream");
        using var response = await rest.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        var events = new List<ServerSentEventReader.SseEvent>();
        using (var reader = new ServerSentEventReader(await response.Content.ReadAsStreamAsync()))
        {
            while (await reader.ReadAsync(CancellationToken.None) is { } sse)
            {
                events.Add(sse);
            }
        }

        Assert.Equal(["message_created", "generation_started", "delta", "completed"], events.Select(e => e.Name).WithDeltasAsOne());
        var created = JsonNode.Parse(events[0].Data)!["messageCreated"]!["message"]!;
        Assert.Equal(edited, (string)created["content"]!);
        Assert.Equal("ROLE_USER", (string)created["role"]!);
        var answerId = (string)JsonNode.Parse(events[^1].Data)!["completed"]!["messageId"]!;

        // The first message has a sibling now: the conversation's first messages are each other's siblings.
        var path = await PathAsync(user, conversation.Id);
        Assert.Equal([(string)created["id"]!, answerId], path.Messages.Select(m => m.Id));
        Assert.Equal("", path.Messages[0].ParentId);
        Assert.Equal([first.UserMessage.Id, (string)created["id"]!], path.Messages[0].SiblingIds);
        Assert.Equal(1, path.Messages[0].SiblingIndex);
        var model = Assert.Single(await DevModelJournal.RequestsAsync(fixture, key));
        Assert.Equal([("user", edited)], Messages(model));
        Assert.Equal(6, (await GetConversationAsync(user, conversation.Id)).MessageCount);
    }

    [Fact]
    public async Task Deleting_a_conversation_removes_every_branch_of_its_tree_from_the_database()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        var doomed = await BranchedConversationAsync(user, "to delete");
        var kept = await BranchedConversationAsync(user, "to keep");
        var doomedId = Guid.Parse(doomed.Id);
        var keptId = Guid.Parse(kept.Id);
        Assert.Equal(7, await CountRowsAsync("messages", doomedId));
        Assert.True(await CountRowsAsync("branches", doomedId) > 1, "regenerating and editing made branches");
        var keptMessages = await CountRowsAsync("messages", keptId);
        var keptBranches = await CountRowsAsync("branches", keptId);

        using var rest = user.Rest();
        using var deleted = await rest.DeleteAsync($"/v1/chat/conversations/{doomed.Id}");
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);

        Assert.Equal(0, await CountRowsAsync("messages", doomedId));
        Assert.Equal(0, await CountRowsAsync("branches", doomedId));
        Assert.Equal(0, await ServiceDatabase.CountAsync(fixture, "chatdb", "SELECT count(*) FROM conversations WHERE \"Id\" = @id", ("id", doomedId)));
        var gone = await Assert.ThrowsAsync<RpcException>(() => user.Grpc.GetHistoryAsync(new GetHistoryRequest { ConversationId = doomed.Id }, user.Options()).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, gone.StatusCode);

        // The other conversation's tree is untouched.
        Assert.Equal(keptMessages, await CountRowsAsync("messages", keptId));
        Assert.Equal(keptBranches, await CountRowsAsync("branches", keptId));
        Assert.Equal(7, (await GetConversationAsync(user, kept.Id)).MessageCount);
    }

    [Fact]
    public async Task Regenerating_or_editing_while_another_answer_is_generated_is_refused_and_writes_nothing()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        var conversation = await user.CreateConversationAsync("busy");
        var first = await user.ChatAsync(conversation.Id, "a quick one");
        var longAnswer = await user.StartLongAnswerAsync(conversation.Id);
        using var running = longAnswer.Stream;
        var generating = longAnswer.Answer;
        var before = await SnapshotAsync(user, conversation.Id);
        Assert.Equal(generating.Id, before.Conversation.ActiveLeafId);

        // Another answer of the conversation, the running answer itself, an edit: each refused before any event.
        var otherAnswer = await Assert.ThrowsAsync<RpcException>(() => RegenerateAsync(user, conversation.Id, first.AssistantMessage.Id));
        var runningAnswer = await Assert.ThrowsAsync<RpcException>(() => RegenerateAsync(user, conversation.Id, generating.Id));
        var edit = await Assert.ThrowsAsync<RpcException>(() => EditAsync(user, conversation.Id, first.UserMessage.Id, "edited meanwhile"));
        Assert.Equal(StatusCode.FailedPrecondition, otherAnswer.StatusCode);
        Assert.Equal(StatusCode.FailedPrecondition, runningAnswer.StatusCode);
        Assert.Equal(StatusCode.FailedPrecondition, edit.StatusCode);

        // Over REST, transcoded and SSE: 400 with code 9.
        using var rest = user.Rest();
        using (var transcoded = await rest.PostAsync($"/v1/chat/conversations/{conversation.Id}/messages/{first.AssistantMessage.Id}:regenerate", RestJson.Json(new { })))
        {
            Assert.Equal(HttpStatusCode.BadRequest, transcoded.StatusCode);
            Assert.Equal(9, (int)(await transcoded.ReadObjectAsync())["code"]!);
        }

        using (var sse = await rest.PostAsync($"/v1/chat/conversations/{conversation.Id}/messages/{first.AssistantMessage.Id}/regenerate/stream", RestJson.Json(new { })))
        {
            Assert.Equal(HttpStatusCode.BadRequest, sse.StatusCode);
            Assert.Equal(9, (int)(await sse.ReadObjectAsync())["code"]!);
        }

        Assert.Equal(before, await SnapshotAsync(user, conversation.Id));

        // Once the running answer is stopped, the same regenerate is answered.
        await user.Grpc.CancelGenerationAsync(new CancelGenerationRequest { GenerationId = generating.GenerationId }, user.Options());
        var remaining = await ChatCalls.ReadUntilEndAsync(running.ResponseStream);
        Assert.Equal(FinishReason.Cancelled, remaining[^1].Completed.FinishReason);
        var regenerated = AssertAnswerStream(await RegenerateAsync(user, conversation.Id, first.AssistantMessage.Id), first.UserMessage.Id);
        Assert.Equal(regenerated, (await GetConversationAsync(user, conversation.Id)).ActiveLeafId);
        Assert.Equal(before.Conversation.MessageCount + 1, (await GetConversationAsync(user, conversation.Id)).MessageCount);
    }

    [Fact]
    public async Task Messages_of_other_conversations_and_malformed_ids_are_refused_over_grpc_and_nothing_is_written()
    {
        var (user, stranger, conversation, mine, otherConversation, other, foreignConversation, foreign) = await ThreeConversationsAsync();
        var c = conversation.Id;
        var before = await SnapshotAsync(user, c);
        var otherBefore = await SnapshotAsync(user, otherConversation.Id);
        var foreignBefore = await SnapshotAsync(stranger, foreignConversation.Id);

        var cases = new (string Name, Func<Task> Call, StatusCode Expected, string? Field)[]
        {
            // Another user's conversation and messages: as if they did not exist.
            ("regenerate a stranger's answer", () => RegenerateAsync(user, foreignConversation.Id, foreign.AssistantMessage.Id), StatusCode.NotFound, null),
            ("edit a stranger's message", () => EditAsync(user, foreignConversation.Id, foreign.UserMessage.Id, "mine now"), StatusCode.NotFound, null),
            ("switch a stranger's branch", () => Switch(user, foreignConversation.Id, foreign.AssistantMessage.Id), StatusCode.NotFound, null),
            ("regenerate a stranger's answer in my conversation", () => RegenerateAsync(user, c, foreign.AssistantMessage.Id), StatusCode.NotFound, null),
            ("read the path through a stranger's message", () => History(user, c, foreign.UserMessage.Id), StatusCode.NotFound, null),
            // A message of another of my conversations, or of none.
            ("regenerate another conversation's answer", () => RegenerateAsync(user, c, other.AssistantMessage.Id), StatusCode.NotFound, null),
            ("edit another conversation's message", () => EditAsync(user, c, other.UserMessage.Id, "moved"), StatusCode.NotFound, null),
            ("switch to another conversation's message", () => Switch(user, c, other.AssistantMessage.Id), StatusCode.NotFound, null),
            ("read the path through another conversation's message", () => History(user, c, other.UserMessage.Id), StatusCode.NotFound, null),
            ("regenerate an unknown message", () => RegenerateAsync(user, c, Guid.NewGuid().ToString()), StatusCode.NotFound, null),
            ("switch to an unknown message", () => Switch(user, c, Guid.NewGuid().ToString()), StatusCode.NotFound, null),
            ("regenerate in an unknown conversation", () => RegenerateAsync(user, Guid.NewGuid().ToString(), mine.AssistantMessage.Id), StatusCode.NotFound, null),
            // Only a user's message can be edited.
            ("edit an answer", () => EditAsync(user, c, mine.AssistantMessage.Id, "rewritten answer"), StatusCode.InvalidArgument, "message_id"),
            // A parent must be a message of the conversation.
            ("ChatWithAI after another conversation's message", () => user.Grpc.ChatWithAIAsync(
                new ChatWithAIRequest { ConversationId = c, Message = "hi", ParentMessageId = other.AssistantMessage.Id }, user.Options()).ResponseAsync,
                StatusCode.InvalidArgument, "parent_message_id"),
            ("StreamChat after a stranger's message", () => ChatCalls.ReadUntilEndAsync(user.Grpc.StreamChat(
                new ChatWithAIRequest { ConversationId = c, Message = "hi", ParentMessageId = foreign.AssistantMessage.Id }, user.Options()).ResponseStream),
                StatusCode.InvalidArgument, "parent_message_id"),
            ("SendMessage after another conversation's message", () => user.Grpc.SendMessageAsync(
                new SendMessageRequest { ConversationId = c, Content = "hi", ParentMessageId = other.UserMessage.Id }, user.Options()).ResponseAsync,
                StatusCode.InvalidArgument, "parent_message_id"),
            // Malformed ids name their field.
            ("regenerate in a malformed conversation id", () => RegenerateAsync(user, "not-a-uuid", mine.AssistantMessage.Id), StatusCode.InvalidArgument, "conversation_id"),
            ("regenerate a malformed message id", () => RegenerateAsync(user, c, "not-a-uuid"), StatusCode.InvalidArgument, "message_id"),
            ("edit a malformed message id", () => EditAsync(user, c, "12345", "text"), StatusCode.InvalidArgument, "message_id"),
            ("switch to an empty message id", () => Switch(user, c, ""), StatusCode.InvalidArgument, "message_id"),
            ("switch in a malformed conversation id", () => Switch(user, "nope", mine.AssistantMessage.Id), StatusCode.InvalidArgument, "conversation_id"),
            ("read the path through a malformed message id", () => History(user, c, "'; DROP TABLE branches; --"), StatusCode.InvalidArgument, "message_id"),
            ("ChatWithAI after a malformed parent", () => user.Grpc.ChatWithAIAsync(
                new ChatWithAIRequest { ConversationId = c, Message = "hi", ParentMessageId = "zzz" }, user.Options()).ResponseAsync,
                StatusCode.InvalidArgument, "parent_message_id"),
            ("SendMessage after a malformed parent", () => user.Grpc.SendMessageAsync(
                new SendMessageRequest { ConversationId = c, Content = "hi", ParentMessageId = "zzz" }, user.Options()).ResponseAsync,
                StatusCode.InvalidArgument, "parent_message_id"),
            // The new text and the model settings.
            ("edit with blank content", () => EditAsync(user, c, mine.UserMessage.Id, " \n\t "), StatusCode.InvalidArgument, "content"),
            ("edit with empty content", () => EditAsync(user, c, mine.UserMessage.Id, ""), StatusCode.InvalidArgument, "content"),
            ("regenerate with a temperature out of range", () => ChatCalls.ReadUntilEndAsync(user.Grpc.RegenerateAnswer(
                new RegenerateAnswerRequest { ConversationId = c, MessageId = mine.AssistantMessage.Id, Temperature = 3 }, user.Options()).ResponseStream),
                StatusCode.InvalidArgument, "temperature"),
            ("edit with max_tokens 0", () => ChatCalls.ReadUntilEndAsync(user.Grpc.EditMessage(
                new EditMessageRequest { ConversationId = c, MessageId = mine.UserMessage.Id, Content = "ok", MaxTokens = 0 }, user.Options()).ResponseStream),
                StatusCode.InvalidArgument, "max_tokens"),
            ("regenerate with an unknown model", () => ChatCalls.ReadUntilEndAsync(user.Grpc.RegenerateAnswer(
                new RegenerateAnswerRequest { ConversationId = c, MessageId = mine.AssistantMessage.Id, Model = "gpt-5-ultra" }, user.Options()).ResponseStream),
                StatusCode.InvalidArgument, "model"),
        };

        var failures = new List<string>();
        foreach (var (name, call, expected, field) in cases)
        {
            try
            {
                await call();
                failures.Add($"{name}: succeeded, expected {expected}");
            }
            catch (RpcException exception)
            {
                if (exception.StatusCode != expected)
                {
                    failures.Add($"{name}: {exception.StatusCode} ({exception.Status.Detail}), expected {expected}");
                }
                else if (field is not null && !ChatCalls.Fields(exception).Contains(field))
                {
                    failures.Add($"{name}: violations [{string.Join(", ", ChatCalls.Fields(exception))}] ({exception.Status.Detail}), expected one naming {field}");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.Equal(before, await SnapshotAsync(user, c));
        Assert.Equal(otherBefore, await SnapshotAsync(user, otherConversation.Id));
        Assert.Equal(foreignBefore, await SnapshotAsync(stranger, foreignConversation.Id));
    }

    [Fact]
    public async Task Over_rest_bad_branch_requests_get_400_naming_the_field_or_404_and_nothing_is_written()
    {
        var (user, stranger, conversation, mine, otherConversation, other, foreignConversation, foreign) = await ThreeConversationsAsync();
        var c = conversation.Id;
        var before = await SnapshotAsync(user, c);
        var foreignBefore = await SnapshotAsync(stranger, foreignConversation.Id);

        var cases = new (string Method, string Path, object? Body, HttpStatusCode Expected, string? Field)[]
        {
            ("POST", $"/v1/chat/conversations/{c}/messages/{mine.AssistantMessage.Id}:edit", new { content = "rewritten" }, HttpStatusCode.BadRequest, "message_id"),
            ("POST", $"/v1/chat/conversations/{c}/messages/{mine.UserMessage.Id}:edit", new { content = "   " }, HttpStatusCode.BadRequest, "content"),
            ("POST", $"/v1/chat/conversations/{c}/messages/{mine.UserMessage.Id}/edit/stream", new { content = "" }, HttpStatusCode.BadRequest, "content"),
            ("POST", $"/v1/chat/conversations/{c}/messages/{mine.AssistantMessage.Id}/edit/stream", new { content = "rewritten" }, HttpStatusCode.BadRequest, "message_id"),
            ("POST", $"/v1/chat/conversations/{c}/messages/not-a-uuid:regenerate", new { }, HttpStatusCode.BadRequest, "message_id"),
            ("POST", $"/v1/chat/conversations/not-a-uuid/messages/{mine.AssistantMessage.Id}/regenerate/stream", new { }, HttpStatusCode.BadRequest, "conversation_id"),
            ("POST", $"/v1/chat/conversations/{c}/messages/{mine.AssistantMessage.Id}/regenerate/stream", new { temperature = 3 }, HttpStatusCode.BadRequest, "temperature"),
            ("POST", "/v1/chat/message", new { conversationId = c, content = "hi", parentMessageId = other.UserMessage.Id }, HttpStatusCode.BadRequest, "parent_message_id"),
            ("POST", "/v1/chat/ai", new { conversationId = c, message = "hi", parentMessageId = "bad" }, HttpStatusCode.BadRequest, "parent_message_id"),
            ("GET", $"/v1/chat/history/{c}?messageId=bad", null, HttpStatusCode.BadRequest, "message_id"),
            ("POST", $"/v1/chat/conversations/{foreignConversation.Id}/messages/{foreign.AssistantMessage.Id}:switchBranch", null, HttpStatusCode.NotFound, null),
            ("POST", $"/v1/chat/conversations/{foreignConversation.Id}/messages/{foreign.AssistantMessage.Id}:regenerate", new { }, HttpStatusCode.NotFound, null),
            ("POST", $"/v1/chat/conversations/{c}/messages/{other.AssistantMessage.Id}/regenerate/stream", new { }, HttpStatusCode.NotFound, null),
            ("POST", $"/v1/chat/conversations/{c}/messages/{foreign.UserMessage.Id}/edit/stream", new { content = "mine now" }, HttpStatusCode.NotFound, null),
            ("POST", $"/v1/chat/conversations/{c}/messages/{other.AssistantMessage.Id}:switchBranch", null, HttpStatusCode.NotFound, null),
            ("GET", $"/v1/chat/history/{c}?messageId={other.UserMessage.Id}", null, HttpStatusCode.NotFound, null),
        };

        using var rest = user.Rest();
        var failures = new List<string>();
        foreach (var (method, path, body, expected, field) in cases)
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (body is not null)
            {
                request.Content = RestJson.Json(body);
            }

            using var response = await rest.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != expected)
            {
                failures.Add($"{method} {path}: {(int)response.StatusCode} {Shorten(text)}, expected {(int)expected}");
                continue;
            }

            var error = JsonNode.Parse(text)!.AsObject();
            var fields = error["details"]?.AsArray().SelectMany(d => d!["fieldViolations"]?.AsArray() ?? []).Select(v => (string)v!["field"]!).ToList() ?? [];
            if (field is not null && !fields.Contains(field))
            {
                failures.Add($"{method} {path}: violations [{string.Join(", ", fields)}] {Shorten(text)}, expected one naming {field}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.Equal(before, await SnapshotAsync(user, c));
        Assert.Equal(foreignBefore, await SnapshotAsync(stranger, foreignConversation.Id));
    }

    /// <summary>A conversation of 7 messages and several branches: an answer regenerated, then a message edited.</summary>
    private static async Task<Conversation> BranchedConversationAsync(ChatUser user, string title)
    {
        var conversation = await user.CreateConversationAsync(title);
        var first = await user.ChatAsync(conversation.Id, "a first question");
        var second = await user.ChatAsync(conversation.Id, "a second question");
        AssertAnswerStream(await RegenerateAsync(user, conversation.Id, second.AssistantMessage.Id), second.UserMessage.Id);
        var edit = await EditAsync(user, conversation.Id, second.UserMessage.Id, "the second question, edited");
        Assert.Equal(ChatEvent.EventOneofCase.Completed, edit[^1].EventCase);
        Assert.Equal(first.AssistantMessage.Id, edit[0].MessageCreated.Message.ParentId);
        return conversation;
    }

    private Task<long> CountRowsAsync(string table, Guid conversationId) =>
        ServiceDatabase.CountAsync(fixture, "chatdb", $"SELECT count(*) FROM {table} WHERE \"ConversationId\" = @id", ("id", conversationId));

    /// <summary>What a refused request must leave as it was: the conversation, every message of its tree, its branches.</summary>
    /// <summary>What the bad-input tests aim at: a conversation of the user's, another of theirs, and a stranger's, each with one exchange.</summary>
    private async Task<ThreeConversations> ThreeConversationsAsync()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        var stranger = await ChatUser.SignUpAsync(fixture);
        var conversation = await user.CreateConversationAsync("mine");
        var mine = await user.ChatAsync(conversation.Id, "my question");
        var otherConversation = await user.CreateConversationAsync("also mine");
        var other = await user.ChatAsync(otherConversation.Id, "my other question");
        var foreignConversation = await stranger.CreateConversationAsync("theirs");
        var foreign = await stranger.ChatAsync(foreignConversation.Id, "their question");
        return new ThreeConversations(user, stranger, conversation, mine, otherConversation, other, foreignConversation, foreign);
    }

    private sealed record ThreeConversations(
        ChatUser User, ChatUser Stranger,
        Conversation Mine, ChatWithAIResponse MyExchange,
        Conversation Other, ChatWithAIResponse OtherExchange,
        Conversation Foreign, ChatWithAIResponse ForeignExchange);

    private async Task<TreeSnapshot> SnapshotAsync(ChatUser user, string conversationId)
    {
        var conversation = await GetConversationAsync(user, conversationId);
        var path = await PathAsync(user, conversationId);
        var id = Guid.Parse(conversationId);
        return new TreeSnapshot(
            conversation,
            string.Join(",", path.Messages.Select(m => $"{m.Id}:{m.Status}:{m.SiblingIds.Count}")),
            await CountRowsAsync("messages", id),
            await CountRowsAsync("branches", id));
    }

    private sealed record TreeSnapshot(Conversation Conversation, string Path, long MessageRows, long BranchRows);

    private static async Task<List<ChatEvent>> RegenerateAsync(ChatUser user, string conversationId, string messageId)
    {
        using var call = user.Grpc.RegenerateAnswer(new RegenerateAnswerRequest { ConversationId = conversationId, MessageId = messageId }, user.Options());
        return await ChatCalls.ReadUntilEndAsync(call.ResponseStream);
    }

    private static async Task<List<ChatEvent>> EditAsync(ChatUser user, string conversationId, string messageId, string content)
    {
        using var call = user.Grpc.EditMessage(new EditMessageRequest { ConversationId = conversationId, MessageId = messageId, Content = content }, user.Options());
        return await ChatCalls.ReadUntilEndAsync(call.ResponseStream);
    }

    private static async Task Switch(ChatUser user, string conversationId, string messageId) =>
        await user.Grpc.SwitchBranchAsync(new SwitchBranchRequest { ConversationId = conversationId, MessageId = messageId }, user.Options());

    private static async Task History(ChatUser user, string conversationId, string messageId) =>
        await user.Grpc.GetHistoryAsync(new GetHistoryRequest { ConversationId = conversationId, MessageId = messageId }, user.Options());

    private static Task<GetHistoryResponse> PathAsync(ChatUser user, string conversationId, string? messageId = null) =>
        user.PathAsync(conversationId, messageId);

    private static async Task<Conversation> GetConversationAsync(ChatUser user, string conversationId) =>
        await user.Grpc.GetConversationAsync(new GetConversationRequest { ConversationId = conversationId }, user.Options());

    /// <summary>
    /// Checks an answer's events, as RegenerateAnswer sends them (and EditMessage after its message_created): the
    /// start of an answer following <paramref name="parentId"/>, its deltas, its completion. Returns the answer's id.
    /// </summary>
    private static string AssertAnswerStream(List<ChatEvent> events, string parentId)
    {
        Assert.Equal(ChatEvent.EventOneofCase.GenerationStarted, events[0].EventCase);
        var started = events[0].GenerationStarted.Message;
        Assert.Equal(Role.Assistant, started.Role);
        Assert.Equal(MessageStatus.Generating, started.Status);
        Assert.Equal(parentId, started.ParentId);
        Assert.All(events.Skip(1).SkipLast(1), e => Assert.Equal(ChatEvent.EventOneofCase.Delta, e.EventCase));
        Assert.True(events.Count > 2, "at least one delta");
        Assert.Equal(ChatEvent.EventOneofCase.Completed, events[^1].EventCase);
        Assert.Equal(FinishReason.Stop, events[^1].Completed.FinishReason);
        Assert.Equal(started.Id, events[^1].Completed.MessageId);
        Assert.Equal(events.Select(e => e.Sequence).Order(), events.Select(e => e.Sequence));
        Assert.All(events, e => Assert.Equal(started.GenerationId, e.GenerationId));
        return started.Id;
    }

    /// <summary>The messages the stand-in received, as (role, content).</summary>
    private static List<(string Role, string Content)> Messages(JsonObject request) =>
        [.. request["messages"]!.AsArray().Select(m => ((string)m!["role"]!, (string?)m["content"] ?? ""))];

    /// <summary>proto3 JSON leaves a 0 out.</summary>
    private static int SiblingIndex(JsonNode message) => message["siblingIndex"] is { } index ? (int)index : 0;

    private static string Kind(JsonObject e) => s_eventKinds.Single(e.ContainsKey);

    /// <summary>POSTs to a transcoded server-streaming route and reads its JSON objects, one a line, until it ends.</summary>
    private static async Task<List<JsonObject>> PostJsonLinesAsync(HttpClient rest, string path, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = RestJson.Json(body) };
        using var response = await rest.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        var events = new List<JsonObject>();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.Length > 0)
            {
                events.Add(JsonNode.Parse(line)!.AsObject());
            }
        }

        return events;
    }

    private static string Shorten(string text) => text.Length > 200 ? text[..200] + "..." : text;
}
