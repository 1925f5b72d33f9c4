using GoChatAi.ChatService.Application.Feeds;
using GoChatAi.ChatService.Domain;

namespace GoChatAi.ChatService.Application;

/// <summary>A stored message as a model's context takes it.</summary>
public sealed record ContextMessage(MessageRole Role, string Content, int? TokenCount);

/// <summary>
/// The message a new answer is placed by, as a context read found it: the message a new one follows, the user's
/// message being edited, or the answer being regenerated.
/// </summary>
public sealed record AnchorMessage(Guid Id, MessagePlace Place, MessageRole Role, MessageStatus Status, string Content, int? TokenCount)
{
    /// <summary>The place right after it.</summary>
    public MessagePlace Next => MessagePlace.After(Id, Place.Depth);

    /// <summary>The message as the model's context takes it; null when it has nothing final to say.</summary>
    public ContextMessage? AsContext => Status == MessageStatus.Finished && Content.Length > 0 ? new(Role, Content, TokenCount) : null;
}

/// <summary>
/// What an answer in an existing conversation is built from: the conversation's model and system prompt, the anchor
/// (null when the conversation has no message yet, or the message asked for is not one of its), and the finished
/// messages on the path before the anchor, newest first.
/// </summary>
public sealed record ConversationContext(string Model, string? SystemPrompt, AnchorMessage? Anchor, IReadOnlyList<ContextMessage> History);

/// <summary>
/// Which part of a path to read: the path to <see cref="LeafId"/> (null: the active leaf), in depth order (newest
/// first or oldest first), after the depth <see cref="AfterDepth"/> in that order when given, else skipping
/// <see cref="Offset"/> messages, at most <see cref="Count"/>.
/// </summary>
public sealed record PathRange(Guid? LeafId, bool NewestFirst, int? AfterDepth, int Offset, int Count);

/// <summary>A message on a path at its depth, with the ids of the messages that follow the same parent (itself included), oldest first.</summary>
public sealed record PathMessage(MessageSnapshot Message, int Depth, Guid[] SiblingIds)
{
    /// <summary>Where the message stands among its siblings, from 0.</summary>
    public int SiblingIndex => Math.Max(0, Array.IndexOf(SiblingIds, Message.Id));
}

/// <summary>Messages of a path, the path's leaf (null: the conversation has no message) and its length.</summary>
public sealed record StoredPathPage(Guid? LeafId, int PathLength, IReadOnlyList<PathMessage> Messages);

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
/// Conversations and their trees of messages. A conversation added, or found to be changed, is stored by the next
/// <see cref="SaveChangesAsync"/>; the writes of the chat's hot path (<see cref="AddMessageAsync"/>,
/// <see cref="StartGenerationAsync"/>, <see cref="FinishAnswerAsync"/>) are each one round trip, stored at once.
/// Messages added to one conversation are added one writer at a time, so that a message that follows another is
/// its first follower (the same branch) or, if the other already has one, a new branch beside it, never both.
/// </summary>
public interface IConversationStore
{
    void Add(Conversation conversation);

    Task SaveChangesAsync(CancellationToken cancellationToken);

    /// <summary>The user's conversation, or null when there is none of theirs with this id; to be changed when <paramref name="tracking"/>.</summary>
    Task<Conversation?> FindOwnedAsync(Guid userId, Guid conversationId, bool tracking, CancellationToken cancellationToken);

    /// <summary>One page of the user's conversations that the query's filters let through, most recent activity first, and how many those are in all.</summary>
    Task<(IReadOnlyList<Conversation> Page, int Total)> ListAsync(Guid userId, Commands.ConversationListQuery query, CancellationToken cancellationToken);

    /// <summary>Deletes a conversation with its messages (its usage stays in the ledger).</summary>
    Task DeleteAsync(Guid conversationId, CancellationToken cancellationToken);

    /// <summary>Whose conversation it is; <see cref="Guid.Empty"/> when it is gone.</summary>
    Task<Guid> FindOwnerAsync(Guid conversationId, CancellationToken cancellationToken);

    /// <summary>
    /// Messages of a path through the user's conversation, each with its siblings, in one round trip, at a cost that
    /// does not grow with the branches that leave the path; null when there is none of theirs with this id.
    /// </summary>
    Task<StoredPathPage?> ReadPathAsync(Guid userId, Guid conversationId, PathRange range, CancellationToken cancellationToken);

    /// <summary>
    /// The leaf of the path through a message of the user's conversation: the active leaf when it follows the message,
    /// else the newest message under it (itself when nothing follows it); null when it is not one of theirs.
    /// </summary>
    Task<Guid?> FindLeafThroughAsync(Guid userId, Guid conversationId, Guid messageId, CancellationToken cancellationToken);

    /// <summary>
    /// Makes the newest message under a message of the user's conversation (itself when nothing follows it) the
    /// active leaf; false (and nothing changed) when the message is not one of theirs.
    /// </summary>
    Task<bool> SwitchBranchAsync(Guid userId, Guid conversationId, Guid messageId, CancellationToken cancellationToken);

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
    /// The user's conversation as an answer in it needs it: the anchor (<paramref name="anchorId"/>, else the active
    /// leaf) and at most <paramref name="historyLimit"/> of the finished messages on the path before it, in one round
    /// trip; null when there is none of theirs with this id.
    /// </summary>
    Task<ConversationContext?> FindContextAsync(Guid userId, Guid conversationId, Guid? anchorId, int historyLimit, CancellationToken cancellationToken);

    /// <summary>
    /// Stores a user's message (none when an answer is regenerated) and the answer-to-be, both placed, in this order;
    /// creates the conversation first when it is new, makes the answer the active leaf and moves the counters: all
    /// in one round trip.
    /// </summary>
    Task StartGenerationAsync(Guid userId, Conversation? newConversation, Message? user, Message answer, CancellationToken cancellationToken);

    /// <summary>Stores a new conversation with its messages, placed one after another, in one round trip.</summary>
    Task AddConversationAsync(Conversation conversation, IReadOnlyList<Message> messages, CancellationToken cancellationToken);

    /// <summary>
    /// Stores a message that is not placed yet after <paramref name="parentId"/> (null: the active leaf), makes it the
    /// active leaf and moves the counters, in one round trip, if the conversation is the user's and the parent one of
    /// its messages; returns where it was placed, or null (and nothing written) when it was not stored.
    /// </summary>
    Task<MessagePlace?> AddMessageAsync(Guid userId, Message message, Guid? parentId, CancellationToken cancellationToken);

    /// <summary>
    /// Stores a finished answer, only if it is still generating (of two replicas finishing one answer, one wins), and
    /// its usage in the ledger, in one round trip. A deleted conversation's answer is gone, but its usage is recorded.
    /// </summary>
    Task<AnswerStored> FinishAnswerAsync(Message answer, int tokenCount, UsageRecord? usage, CancellationToken cancellationToken);
}
