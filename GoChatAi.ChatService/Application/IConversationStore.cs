using GoChatAi.ChatService.Domain;

namespace GoChatAi.ChatService.Application;

/// <summary>A stored message as a model's context takes it.</summary>
public sealed record ContextMessage(MessageRole Role, string Content, int? TokenCount);

/// <summary>
/// What an answer in an existing conversation is built from: the conversation's model and system prompt, and its
/// newest finished messages, newest first.
/// </summary>
public sealed record ConversationContext(string Model, string? SystemPrompt, IReadOnlyList<ContextMessage> History);

/// <summary>A page of a conversation's messages, and how many messages it has in all.</summary>
public sealed record StoredHistoryPage(int TotalCount, IReadOnlyList<Message> Messages);

/// <summary>How storing an answer went.</summary>
public enum AnswerStored
{
    /// <summary>Stored final, with its usage in the ledger.</summary>
    Stored,

    /// <summary>Another replica finished it first (its own replica was taken for dead); nothing was changed.</summary>
    FinishedElsewhere,

    /// <summary>The conversation was deleted meanwhile; the usage is in the ledger all the same.</summary>
    ConversationGone,
}

/// <summary>
/// Conversations and their messages. A conversation added, or found to be changed, is stored by the next
/// <see cref="SaveChangesAsync"/>; the writes of the chat's hot path (<see cref="AddMessageAsync"/>,
/// <see cref="StartGenerationAsync"/>, <see cref="FinishAnswerAsync"/>) are each one round trip, stored at once.
/// </summary>
public interface IConversationStore
{
    void Add(Conversation conversation);

    Task SaveChangesAsync(CancellationToken cancellationToken);

    /// <summary>The user's conversation, or null when there is none of theirs with this id; to be changed when <paramref name="tracking"/>.</summary>
    Task<Conversation?> FindOwnedAsync(Guid userId, Guid conversationId, bool tracking, CancellationToken cancellationToken);

    /// <summary>One page of the user's conversations, most recent activity first, and how many they have in all.</summary>
    Task<(IReadOnlyList<Conversation> Page, int Total)> ListAsync(Guid userId, int limit, int offset, CancellationToken cancellationToken);

    /// <summary>Deletes a conversation with its messages (its usage stays in the ledger).</summary>
    Task DeleteAsync(Guid conversationId, CancellationToken cancellationToken);

    /// <summary>Whose conversation it is; <see cref="Guid.Empty"/> when it is gone.</summary>
    Task<Guid> FindOwnerAsync(Guid conversationId, CancellationToken cancellationToken);

    /// <summary>
    /// A page of the user's conversation's messages in position order (newest first or oldest first), after
    /// <paramref name="afterPosition"/> in that order when given, skipping <paramref name="offset"/>, with the
    /// conversation's message count, in one round trip; null when there is none of theirs with this id.
    /// </summary>
    Task<StoredHistoryPage?> ReadHistoryAsync(
        Guid userId, Guid conversationId, long? afterPosition, bool newestFirst, int offset, int count, CancellationToken cancellationToken);

    /// <summary>The answer a generation writes or wrote, in a conversation of the user's.</summary>
    Task<Message?> FindOwnedAnswerAsync(Guid userId, Guid generationId, CancellationToken cancellationToken);

    /// <summary>The answer a generation writes or wrote.</summary>
    Task<Message?> FindAnswerAsync(Guid generationId, CancellationToken cancellationToken);

    /// <summary>Answers still generating that started before <paramref name="startedBefore"/>, oldest first.</summary>
    Task<IReadOnlyList<Message>> ListGeneratingAsync(DateTimeOffset startedBefore, int limit, CancellationToken cancellationToken);

    /// <summary>The first message of a conversation that has no title and exactly one answer: what to name it after; else null.</summary>
    Task<string?> FindFirstMessageToTitleAsync(Guid conversationId, CancellationToken cancellationToken);

    /// <summary>Names a conversation, unless it was named meanwhile.</summary>
    Task SetTitleIfUntitledAsync(Guid conversationId, string title, CancellationToken cancellationToken);

    /// <summary>
    /// The user's conversation as an answer in it needs it, with at most <paramref name="historyLimit"/> of its
    /// newest finished messages, in one round trip; null when there is none of theirs with this id.
    /// </summary>
    Task<ConversationContext?> FindContextAsync(Guid userId, Guid conversationId, int historyLimit, CancellationToken cancellationToken);

    /// <summary>
    /// Stores a user's message and the answer-to-be (in this order, which is the history's), creates the conversation
    /// first when it is new, and moves its counters: all in one round trip.
    /// </summary>
    Task StartGenerationAsync(Conversation? newConversation, Message user, Message answer, CancellationToken cancellationToken);

    /// <summary>Stores a new conversation with its messages, in their order, in one round trip.</summary>
    Task AddConversationAsync(Conversation conversation, IReadOnlyList<Message> messages, CancellationToken cancellationToken);

    /// <summary>
    /// Stores a message and moves its conversation's counters, in one round trip, if the conversation is the
    /// user's: false (and nothing written) when it is not, or no longer exists.
    /// </summary>
    Task<bool> AddMessageAsync(Guid userId, Message message, CancellationToken cancellationToken);

    /// <summary>
    /// Stores a finished answer, only if it is still generating (of two replicas finishing one answer, one wins), and
    /// its usage in the ledger, in one round trip. A deleted conversation's answer is gone, but its usage is recorded.
    /// </summary>
    Task<AnswerStored> FinishAnswerAsync(Message answer, int tokenCount, UsageRecord? usage, CancellationToken cancellationToken);
}
