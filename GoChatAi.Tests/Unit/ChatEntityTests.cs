extern alias chatservice;

using chatservice::GoChatAi.ChatService.Domain;

namespace GoChatAi.Tests.Unit;

/// <summary>A message's life: a user's message is final as stored; an answer ends once, and only while it is generated.</summary>
public sealed class MessageTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
    private static readonly Guid ConversationId = Guid.CreateVersion7();

    private static Message Answer() => Message.AnswerToBe(ConversationId, "stand-in", Guid.CreateVersion7(), Now);

    /// <summary>Every way an answer ends.</summary>
    public static TheoryData<string> Endings => new() { "finish", "cancel", "end incomplete" };

    private static void End(Message message, string ending, string content = "text")
    {
        switch (ending)
        {
            case "finish":
                message.Finish(content, FinishReason.Stop, 10, 2);
                break;
            case "cancel":
                message.Cancel(content, 10, 2);
                break;
            default:
                message.EndIncomplete(content, 10, 2);
                break;
        }
    }

    [Fact]
    public void A_user_message_is_final_as_it_is_stored()
    {
        var generationId = Guid.CreateVersion7();
        var message = Message.FromUser(ConversationId, "hello", 5, generationId, Now);

        Assert.Equal(MessageRole.User, message.Role);
        Assert.Equal(MessageStatus.Finished, message.Status);
        Assert.Equal("hello", message.Content);
        Assert.Equal(5, message.TokenCount);
        Assert.Equal(generationId, message.GenerationId);
        Assert.Null(message.FinishReason);
    }

    [Fact]
    public void An_answer_to_be_is_empty_and_generating()
    {
        var answer = Answer();

        Assert.Equal(MessageRole.Assistant, answer.Role);
        Assert.Equal(MessageStatus.Generating, answer.Status);
        Assert.Equal("", answer.Content);
        Assert.Equal("stand-in", answer.Model);
        Assert.Null(answer.FinishReason);
        Assert.Null(answer.PromptTokens);
    }

    [Theory]
    [InlineData(FinishReason.Stop)]
    [InlineData(FinishReason.Length)]
    [InlineData(FinishReason.ContentFilter)]
    [InlineData(FinishReason.Cancelled)]
    [InlineData(FinishReason.Incomplete)]
    public void A_generating_answer_finishes_with_its_text_reason_and_tokens(FinishReason reason)
    {
        var answer = Answer();

        answer.Finish("the answer", reason, 12, 3);

        Assert.Equal(MessageStatus.Finished, answer.Status);
        Assert.Equal("the answer", answer.Content);
        Assert.Equal(reason, answer.FinishReason);
        Assert.Equal(12, answer.PromptTokens);
        Assert.Equal(3, answer.CompletionTokens);
    }

    [Fact]
    public void A_cancelled_answer_keeps_the_text_written_so_far()
    {
        var answer = Answer();

        answer.Cancel("half an ans", null, 4);

        Assert.Equal(MessageStatus.Finished, answer.Status);
        Assert.Equal(FinishReason.Cancelled, answer.FinishReason);
        Assert.Equal("half an ans", answer.Content);
        Assert.Null(answer.PromptTokens);
        Assert.Equal(4, answer.CompletionTokens);
    }

    [Fact]
    public void An_answer_that_broke_off_ends_incomplete_with_its_text()
    {
        var answer = Answer();

        answer.EndIncomplete("broke o", 7, 2);

        Assert.Equal(MessageStatus.Finished, answer.Status);
        Assert.Equal(FinishReason.Incomplete, answer.FinishReason);
        Assert.Equal("broke o", answer.Content);
    }

    [Theory]
    [MemberData(nameof(Endings))]
    public void A_user_message_cannot_be_ended(string ending)
    {
        var message = Message.FromUser(ConversationId, "hello", 5, null, Now);

        Assert.Throws<InvalidOperationException>(() => End(message, ending, "rewritten"));
        Assert.Equal("hello", message.Content);
        Assert.Null(message.FinishReason);
    }

    [Theory]
    [MemberData(nameof(Endings))]
    public void A_finished_answer_cannot_be_ended_again(string ending)
    {
        var answer = Answer();
        answer.Finish("final", FinishReason.Stop, 10, 2);

        Assert.Throws<InvalidOperationException>(() => End(answer, ending, "rewritten"));
        Assert.Equal("final", answer.Content);
        Assert.Equal(FinishReason.Stop, answer.FinishReason);
    }

    [Fact]
    public void An_answer_does_not_end_for_a_reason_that_does_not_exist()
    {
        var answer = Answer();

        Assert.Throws<ArgumentOutOfRangeException>(() => answer.Finish("text", (FinishReason)42, null, null));
        Assert.Equal(MessageStatus.Generating, answer.Status);
    }
}

/// <summary>A conversation's settings change only through Create and Change.</summary>
public sealed class ConversationTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_new_conversation_has_no_messages_and_takes_empty_settings_for_none()
    {
        var id = Guid.CreateVersion7();
        var userId = Guid.CreateVersion7();

        var conversation = Conversation.Create(id, userId, "", "", "stand-in", Now);

        Assert.Equal(id, conversation.Id);
        Assert.Equal(userId, conversation.UserId);
        Assert.Null(conversation.Title);
        Assert.Null(conversation.SystemPrompt);
        Assert.Equal("stand-in", conversation.Model);
        Assert.Equal(Now, conversation.CreatedAt);
        Assert.Equal(Now, conversation.UpdatedAt);
        Assert.Equal(Now, conversation.LastActivityAt);
        Assert.Null(conversation.LastMessageAt);
        Assert.Equal(0, conversation.MessageCount);
    }

    [Fact]
    public void A_change_leaves_what_it_does_not_name_and_removes_an_empty_system_prompt()
    {
        var conversation = Conversation.Create(Guid.CreateVersion7(), Guid.CreateVersion7(), "Trip", "Be brief.", "stand-in", Now);

        conversation.Change(null, "", "other", Now.AddMinutes(1));

        Assert.Equal("Trip", conversation.Title);
        Assert.Null(conversation.SystemPrompt);
        Assert.Equal("other", conversation.Model);
        Assert.Equal(Now.AddMinutes(1), conversation.UpdatedAt);
        Assert.Equal(Now, conversation.CreatedAt);

        conversation.Change("Lisbon", null, null, Now.AddMinutes(2));

        Assert.Equal("Lisbon", conversation.Title);
        Assert.Null(conversation.SystemPrompt);
        Assert.Equal("other", conversation.Model);
        Assert.Equal(Now.AddMinutes(2), conversation.UpdatedAt);
        Assert.False(conversation.IsPinned);
        Assert.False(conversation.IsArchived);

        conversation.Change(null, null, null, Now.AddMinutes(3), pinned: true, archived: true);
        conversation.Change(null, null, null, Now.AddMinutes(4), archived: false);

        Assert.True(conversation.IsPinned);
        Assert.False(conversation.IsArchived);
        Assert.Equal("Lisbon", conversation.Title);
        Assert.Equal(Now.AddMinutes(4), conversation.UpdatedAt);
    }
}
