using GoChatAi.Contracts.Chat.V1;

namespace GoChatAi.ChatService.Application;

/// <summary>Events to add to one conversation's feed, in order.</summary>
public sealed record FeedAppend(Guid ConversationId, IReadOnlyList<ChatEvent> Events);

/// <summary>
/// Each conversation's feed of <see cref="ChatEvent"/>s, readable from every replica: replay from a cursor, then
/// live. Every event gets the next sequence number of its conversation, and a <see cref="FeedCursor"/> naming it.
/// </summary>
public interface IChatEventFeed
{
    /// <summary>
    /// Numbers and stores the events of several conversations in one round trip, sets each event's sequence and
    /// cursor, and tells each conversation's live readers.
    /// </summary>
    Task AppendAsync(IReadOnlyList<FeedAppend> appends);

    /// <summary>Stores one event (a message sent without an answer, an abandoned answer's end).</summary>
    Task<ChatEvent> AppendAsync(Guid conversationId, ChatEvent chatEvent);

    /// <summary>The last sequence number given out in a conversation (0 before the first event).</summary>
    Task<long> LastSequenceAsync(Guid conversationId);

    /// <summary>
    /// Every event after <paramref name="after"/>, then the new ones as they come, until cancelled. Fails with
    /// OUT_OF_RANGE when events after the cursor are no longer kept, and INVALID_ARGUMENT for a cursor from the
    /// future. <paramref name="onIdle"/> is called whenever nothing arrived for a while, with the last position;
    /// the events it returns are sent, and when it returns null the feed ends.
    /// </summary>
    IAsyncEnumerable<ChatEvent> FollowAsync(
        Guid conversationId, long after, Func<long, Task<IReadOnlyList<ChatEvent>?>>? onIdle, CancellationToken cancellationToken);

    /// <summary>The events of one generation still kept in its conversation's feed, in order (an abandoned answer's text).</summary>
    Task<List<ChatEvent>> ReadGenerationAsync(Guid conversationId, Guid generationId);

    /// <summary>Forgets a conversation's feed (the conversation is gone).</summary>
    Task DeleteAsync(Guid conversationId);
}
