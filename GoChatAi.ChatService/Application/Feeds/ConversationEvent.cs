using GoChatAi.ChatService.Domain;
using GoChatAi.ServiceDefaults.Errors;

namespace GoChatAi.ChatService.Application.Feeds;

/// <summary>
/// Something that happened in a conversation, as its feed carries it to every follower on every replica. The API
/// sends each as a ChatEvent (gRPC) or a Server-Sent Event; the feed stores it in a form of its own.
/// </summary>
public abstract record ConversationEvent(Guid? GenerationId)
{
    /// <summary>Whether the event ends its generation (after it, that generation sends nothing more).</summary>
    public bool IsFinal => this is AnswerCompleted or AnswerFailed;
}

/// <summary>A message was stored: a user's message, with or without an answer to come.</summary>
public sealed record MessageStored(MessageSnapshot Message) : ConversationEvent(Message.GenerationId);

/// <summary>The model was asked: the answer exists, empty, and is being generated.</summary>
public sealed record AnswerStarted(MessageSnapshot Answer) : ConversationEvent(Answer.GenerationId);

/// <summary>The next piece of an answer's text.</summary>
public sealed record AnswerDelta(Guid? GenerationId, string Text) : ConversationEvent(GenerationId)
{
    /// <summary>Consecutive pieces of one answer as one: the same text, in the same order.</summary>
    public static AnswerDelta Join(IReadOnlyList<AnswerDelta> pieces) =>
        pieces.Count == 1 ? pieces[0] : new(pieces[0].GenerationId, string.Concat(pieces.Select(piece => piece.Text)));
}

/// <summary>An answer ended and is stored as it ended (stopped, cut at its length, filtered or cancelled).</summary>
public sealed record AnswerCompleted(Guid? GenerationId, Guid MessageId, TokenUsage? Usage, FinishReason? FinishReason)
    : ConversationEvent(GenerationId)
{
    public static AnswerCompleted Of(Message answer) =>
        new(answer.GenerationId, answer.Id, TokenUsage.Of(answer), answer.FinishReason);
}

/// <summary>An answer broke off; what it had written is stored.</summary>
public sealed record AnswerFailed(Guid? GenerationId, Guid MessageId, ErrorKind Kind, string Reason) : ConversationEvent(GenerationId)
{
    public static AnswerFailed Of(Message answer, ServiceException failure) => Of(answer, failure.Kind, failure.Message);

    public static AnswerFailed Of(Message answer, ErrorKind kind, string reason) => new(answer.GenerationId, answer.Id, kind, reason);
}

/// <summary>The tokens an answer used, when known.</summary>
public sealed record TokenUsage(int PromptTokens, int CompletionTokens)
{
    public int TotalTokens => PromptTokens + CompletionTokens;

    public static TokenUsage? Of(Message message) =>
        message.PromptTokens is null && message.CompletionTokens is null
            ? null
            : new TokenUsage(message.PromptTokens ?? 0, message.CompletionTokens ?? 0);
}

/// <summary>
/// A message as it was when an event was made: events are sent after the entity has moved on (an answer is
/// announced empty and fills up later), so they carry a copy.
/// </summary>
public sealed record MessageSnapshot(
    Guid Id,
    Guid ConversationId,
    MessageRole Role,
    string Content,
    string? Model,
    MessageStatus Status,
    FinishReason? FinishReason,
    TokenUsage? Usage,
    Guid? GenerationId,
    DateTimeOffset CreatedAt,
    Guid? ParentId)
{
    public static MessageSnapshot Of(Message message) => new(
        message.Id,
        message.ConversationId,
        message.Role,
        message.Content,
        message.Model,
        message.Status,
        message.FinishReason,
        message.Status == MessageStatus.Finished ? TokenUsage.Of(message) : null,
        message.GenerationId,
        message.CreatedAt,
        message.ParentId);
}

/// <summary>
/// An event at its place (1, 2, ...) in its conversation's feed. <see cref="Cursor"/> names the place to resume
/// after it; an event the feed could not take (it still reaches the followers on this replica) has place 0 and none.
/// </summary>
public sealed record FeedEntry(Guid ConversationId, long Sequence, ConversationEvent Event)
{
    public FeedCursor? Cursor => Sequence > 0 ? new FeedCursor(ConversationId, Sequence) : null;
}
