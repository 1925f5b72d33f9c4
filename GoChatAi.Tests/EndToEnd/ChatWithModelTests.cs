using System.Net;
using GoChatAi.Contracts.Chat.V1;
using GoChatAi.Tests.Infrastructure;
using Grpc.Core;

namespace GoChatAi.Tests.EndToEnd;

/// <summary>ChatWithAI against the stand-in model, through the real OpenAI SDK: answers, context, faults, usage.</summary>
[Collection(GoChatAiAppCollection.Name)]
public sealed class ChatWithModelTests(GoChatAiAppFixture fixture)
{
    [Fact]
    public async Task ChatWithAI_without_a_conversation_starts_one_and_stores_both_messages_with_model_and_usage()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        var response = await user.Grpc.ChatWithAIAsync(new ChatWithAIRequest { Message = "Hello there, model" }, user.Options());

        Assert.True(Guid.TryParse(response.ConversationId, out _));
        Assert.Equal("stand-in", response.Model);
        Assert.Equal(FinishReason.Stop, response.FinishReason);
        Assert.Equal("Hello there, model", response.UserMessage.Content);
        Assert.Contains("stand-in", response.AssistantMessage.Content, StringComparison.Ordinal);
        Assert.Contains("Hello there, model", response.AssistantMessage.Content, StringComparison.Ordinal);
        Assert.Equal(MessageStatus.Finished, response.AssistantMessage.Status);
        Assert.True(response.Usage.PromptTokens > 0);
        Assert.True(response.Usage.CompletionTokens > 0);
        Assert.Equal(response.Usage.PromptTokens + response.Usage.CompletionTokens, response.Usage.TotalTokens);
        Assert.Equal(response.GenerationId, response.AssistantMessage.GenerationId);

        var history = await user.HistoryAsync(response.ConversationId);
        Assert.Equal([Role.User, Role.Assistant], history.Select(m => m.Role));
        // The history also says where each message stands among its siblings: here each is alone.
        Assert.Equal([response.AssistantMessage.Id], history[1].SiblingIds);
        var stored = history[1].Clone();
        stored.SiblingIds.Clear();
        Assert.Equal(response.AssistantMessage, stored);
        Assert.Equal(response.UserMessage.Id, response.AssistantMessage.ParentId);
        Assert.Equal("", response.UserMessage.ParentId);

        // The conversation is named by the model after its first exchange.
        using var deadline = new CancellationTokenSource(ChatUser.CallTimeout);
        Conversation conversation;
        do
        {
            await Task.Delay(100, deadline.Token);
            conversation = await user.Grpc.GetConversationAsync(new GetConversationRequest { ConversationId = response.ConversationId }, user.Options());
        }
        while (conversation.Title.Length == 0);
        Assert.Equal(2, conversation.MessageCount);
        Assert.DoesNotContain('\n', conversation.Title);
    }

    [Fact]
    public async Task ChatWithAI_over_rest_continues_a_conversation_with_its_stored_context()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        var conversation = await user.CreateConversationAsync("Named", systemPrompt: "You are terse.");
        await user.Grpc.SendMessageAsync(new SendMessageRequest { ConversationId = conversation.Id, Content = "An earlier message" }, user.Options());
        using var rest = user.Rest();

        var message = "Continue please " + DevModelJournal.Directive("tokens=7", out var key);
        using var response = await rest.PostAsync("/v1/chat/ai", RestJson.Json(new { message, conversationId = conversation.Id, temperature = 0.5, maxTokens = 100 }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.ReadObjectAsync();
        Assert.Equal(conversation.Id, (string)body["conversationId"]!);
        Assert.Equal("FINISH_REASON_STOP", (string)body["finishReason"]!);
        Assert.Equal(7, (int)body["usage"]!["completionTokens"]!);
        var request = Assert.Single(await DevModelJournal.RequestsAsync(fixture, key));
        Assert.True((bool)request["stream"]!);
        Assert.Equal("stand-in", (string)request["model"]!);
        // System prompt, the earlier message and the new one were all sent: more than the new message alone.
        Assert.True((int)request["promptTokens"]! > 3 + 3 * 4, request.ToJsonString());
        Assert.Equal("Named", (await user.Grpc.GetConversationAsync(new GetConversationRequest { ConversationId = conversation.Id }, user.Options())).Title);
    }

    [Fact]
    public async Task An_answer_cut_at_max_tokens_is_stored_with_finish_reason_length()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        var response = await user.Grpc.ChatWithAIAsync(new ChatWithAIRequest { Message = "Say a lot [[devmodel: tokens=50]]", MaxTokens = 5 }, user.Options());

        Assert.Equal(FinishReason.Length, response.FinishReason);
        Assert.Equal(5, response.Usage.CompletionTokens);
        Assert.Equal(FinishReason.Length, (await user.HistoryAsync(response.ConversationId))[1].FinishReason);
    }

    [Fact]
    public async Task A_conversation_longer_than_the_window_sends_only_the_newest_messages_that_fit()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        var conversation = await user.CreateConversationAsync(model: "stand-in-small");
        // Six messages of about 200 tokens each: together far more than the small model's 1024-token window.
        var filler = string.Join(' ', Enumerable.Range(0, 200).Select(i => $"w{i}"));
        for (var i = 0; i < 6; i++)
        {
            await user.Grpc.SendMessageAsync(new SendMessageRequest { ConversationId = conversation.Id, Content = $"old {i} {filler}" }, user.Options());
        }

        var response = await user.Grpc.ChatWithAIAsync(
            new ChatWithAIRequest { ConversationId = conversation.Id, Message = "newest " + DevModelJournal.Directive("tokens=3", out var key) }, user.Options());

        Assert.Equal(FinishReason.Stop, response.FinishReason);
        Assert.Equal("stand-in-small", response.Model);
        var request = Assert.Single(await DevModelJournal.RequestsAsync(fixture, key));
        var allCharacters = 6 * ($"old 0 {filler}".Length);
        // The stand-in counts about a token per four characters: the whole history would be far more than it got.
        Assert.True((int)request["promptTokens"]! < allCharacters / 4 / 2, request.ToJsonString());
        Assert.True(response.Usage.PromptTokens + 256 <= 1024, $"prompt {response.Usage.PromptTokens}");
        Assert.True(response.Usage.PromptTokens > 200, "the newest old messages that fit are sent too");
    }

    [Fact]
    public async Task A_transient_500_and_a_rate_limit_are_retried_and_answered()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        var serverError = await user.Grpc.ChatWithAIAsync(
            new ChatWithAIRequest { Message = "retry me " + DevModelJournal.Directive("fail=500x1", out var key500) }, user.Options());
        var rateLimited = await user.Grpc.ChatWithAIAsync(
            new ChatWithAIRequest { Message = "retry me " + DevModelJournal.Directive("fail=429-ratex1; retry=200ms", out var key429) }, user.Options());

        Assert.Equal(FinishReason.Stop, serverError.FinishReason);
        Assert.Equal(FinishReason.Stop, rateLimited.FinishReason);
        Assert.Equal([500, 200], (await DevModelJournal.RequestsAsync(fixture, key500)).Take(2).Select(r => (int)r["status"]!));
        Assert.Equal([429, 200], (await DevModelJournal.RequestsAsync(fixture, key429)).Take(2).Select(r => (int)r["status"]!));
    }

    [Fact]
    public async Task Insufficient_quota_is_not_retried_and_fails_unavailable_keeping_the_answer_incomplete()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        var conversation = await user.CreateConversationAsync("quota");
        var message = "no quota " + DevModelJournal.Directive("fail=429-quota", out var key);
        var error = await Assert.ThrowsAsync<RpcException>(() => user.Grpc.ChatWithAIAsync(
            new ChatWithAIRequest { ConversationId = conversation.Id, Message = message }, user.Options()).ResponseAsync);

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        var requests = await DevModelJournal.RequestsAsync(fixture, key);
        Assert.Equal(429, (int)Assert.Single(requests)["status"]!);
        var history = await user.HistoryAsync(conversation.Id);
        Assert.Equal(message, history[0].Content);
        Assert.Equal(FinishReason.Incomplete, history[1].FinishReason);
        Assert.Equal(MessageStatus.Finished, history[1].Status);
    }

    [Theory]
    [InlineData("fail=400-context", StatusCode.InvalidArgument)]
    [InlineData("fail=401", StatusCode.Unavailable)]
    [InlineData("fail=503x5", StatusCode.Unavailable)]
    public async Task Provider_errors_map_to_clear_statuses(string settings, StatusCode expected)
    {
        var user = await ChatUser.SignUpAsync(fixture);
        var error = await Assert.ThrowsAsync<RpcException>(() => user.Grpc.ChatWithAIAsync(
            new ChatWithAIRequest { Message = "fail " + DevModelJournal.Directive(settings, out _) }, user.Options()).ResponseAsync);

        Assert.Equal(expected, error.StatusCode);
        Assert.DoesNotContain("devmodel", error.Status.Detail, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("http://", error.Status.Detail, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("tokens=10; cut=4")]
    [InlineData("tokens=10; close=4")]
    [InlineData("tokens=10; error=4")]
    public async Task A_stream_that_breaks_midway_keeps_what_arrived_marked_incomplete(string settings)
    {
        var user = await ChatUser.SignUpAsync(fixture);
        var conversation = await user.CreateConversationAsync("broken");
        var error = await Assert.ThrowsAsync<RpcException>(() => user.Grpc.ChatWithAIAsync(
            new ChatWithAIRequest { ConversationId = conversation.Id, Message = "break " + DevModelJournal.Directive(settings, out _) }, user.Options()).ResponseAsync);

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        var answer = (await user.HistoryAsync(conversation.Id))[1];
        Assert.Equal(FinishReason.Incomplete, answer.FinishReason);
        Assert.Equal(MessageStatus.Finished, answer.Status);
        Assert.Equal("(GoChatAi stand-in model) You", answer.Content);
    }

    [Theory]
    [InlineData("split; crlf; keepalive")]
    [InlineData("batch=4; usage=vllm")]
    [InlineData("promptfilter; usage=final")]
    [InlineData("usage=none; nodone")]
    [InlineData("refuse=stream_options")]
    public async Task The_wire_format_variants_of_real_servers_give_the_same_answer(string settings)
    {
        var user = await ChatUser.SignUpAsync(fixture);
        var response = await user.Grpc.ChatWithAIAsync(
            new ChatWithAIRequest { Message = "variant " + DevModelJournal.Directive("tokens=6; " + settings, out _) }, user.Options());

        Assert.Equal(FinishReason.Stop, response.FinishReason);
        Assert.Equal(6, response.AssistantMessage.Content.Split(' ').Length);
        Assert.True(response.Usage.CompletionTokens > 0);
        Assert.True(response.Usage.PromptTokens > 0);
    }

    [Fact]
    public async Task A_server_that_refuses_stream_options_is_asked_again_without_them()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        var response = await user.Grpc.ChatWithAIAsync(
            new ChatWithAIRequest { Message = "old azure " + DevModelJournal.Directive("tokens=4; refuse=stream_options", out var key) }, user.Options());

        Assert.Equal(FinishReason.Stop, response.FinishReason);
        Assert.Equal(4, response.AssistantMessage.Content.Split(' ').Length);
        // Without stream_options no usage comes back: the service counts the tokens itself.
        Assert.True(response.Usage.CompletionTokens >= 4);
        Assert.True(response.Usage.PromptTokens > 0);
        var requests = await DevModelJournal.RequestsAsync(fixture, key);
        Assert.Equal([400, 200], requests.Take(2).Select(r => (int)r["status"]!));
        Assert.True((bool)requests[0]["includeUsage"]!);
        Assert.False((bool)requests[1]["includeUsage"]!);
    }

    [Fact]
    public async Task Usage_is_read_back_by_day_and_model_and_survives_deleting_the_conversation()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        var first = await user.Grpc.ChatWithAIAsync(new ChatWithAIRequest { Message = "count me [[devmodel: tokens=4]]" }, user.Options());
        var second = await user.Grpc.ChatWithAIAsync(new ChatWithAIRequest { Message = "and me [[devmodel: tokens=6]]", Model = "stand-in-small" }, user.Options());

        await user.Grpc.DeleteConversationAsync(new DeleteConversationRequest { ConversationId = first.ConversationId }, user.Options());
        var usage = await user.Grpc.GetUsageAsync(new GetUsageRequest(), user.Options());

        Assert.Equal(DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), usage.EndDate);
        Assert.Equal(["stand-in", "stand-in-small"], usage.Rows.Select(r => r.Model));
        Assert.Equal(first.Usage.CompletionTokens + second.Usage.CompletionTokens, usage.Totals.CompletionTokens);
        Assert.Equal(first.Usage.TotalTokens + second.Usage.TotalTokens, usage.Totals.TotalTokens);
        Assert.Equal(2, usage.Totals.Requests);
        Assert.True(usage.Quota.TokensUsed >= usage.Totals.TotalTokens);
        Assert.Equal(usage.Quota.TokenLimit - usage.Quota.TokensUsed, usage.Quota.TokensRemaining);

        var deletedOnly = await user.Grpc.GetUsageAsync(new GetUsageRequest { ConversationId = first.ConversationId }, user.Options());
        Assert.Equal(first.Usage.TotalTokens, deletedOnly.Totals.TotalTokens);

        using var rest = user.Rest();
        using var response = await rest.GetAsync($"/v1/usage?startDate={usage.StartDate}&endDate={usage.EndDate}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("2", (await response.ReadObjectAsync())["totals"]!["requests"]!.ToString());
    }
}
