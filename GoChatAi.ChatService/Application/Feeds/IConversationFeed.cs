namespace GoChatAi.ChatService.Application.Feeds;

/// <summary>Events to add to one conversation's feed, in order.</summary>
/// <param name="FirstSequence">
/// The place of the first event when the events were numbered ahead, from the places their generation's lease
/// reserved (<see cref="LeasedGeneration"/>); 0 to give them the conversation's next places.
/// </param>
/// <param name="EndsLease">
/// The generation whose lease ends as these events are written: its last event is among them and its answer is stored.
/// </param>
public sealed record FeedAppend(Guid ConversationId, IReadOnlyList<ConversationEvent> Events, long FirstSequence = 0, Guid? EndsLease = null);

/// <summary>
/// Each conversation's feed of <see cref="ConversationEvent"/>s, readable from every replica: replay from a cursor,
/// then live. Every event gets a place (sequence number) after those before it: the conversation's next, or one its
/// generation reserved with its lease. While a generation holds its lease, readers see no further than the events it
/// has written, so that an event written later at a lower place is never passed over.
/// </summary>
public interface IConversationFeed
{
    /// <summary>
    /// Places and stores the events of several conversations in one round trip, tells each conversation's live
    /// readers, and returns the entries, in the order of the appends and their events.
    /// </summary>
    Task<IReadOnlyList<FeedEntry>> AppendAsync(IReadOnlyList<FeedAppend> appends);

    /// <summary>Stores one event (a message sent without an answer, an abandoned answer's end).</summary>
    Task<FeedEntry> AppendAsync(Guid conversationId, ConversationEvent chatEvent);

    /// <summary>The last place given out in a conversation (0 before the first event).</summary>
    Task<long> LastSequenceAsync(Guid conversationId);

    /// <summary>
    /// Every event after <paramref name="after"/>, then the new ones as they come, until cancelled. Fails with
    /// OUT_OF_RANGE when events after the cursor are no longer kept, and INVALID_ARGUMENT for a cursor from the
    /// future. <paramref name="onIdle"/> is called whenever nothing arrived for a while, with the last position;
    /// the entries it returns are sent, and when it returns null the feed ends.
    /// </summary>
    IAsyncEnumerable<FeedEntry> FollowAsync(
        Guid conversationId, long after, Func<long, Task<IReadOnlyList<FeedEntry>?>>? onIdle, CancellationToken cancellationToken);

    /// <summary>The events of one generation still kept in its conversation's feed, in order (an abandoned answer's text).</summary>
    Task<IReadOnlyList<ConversationEvent>> ReadGenerationAsync(Guid conversationId, Guid generationId);

    /// <summary>Forgets a conversation's feed (the conversation is gone).</summary>
    Task DeleteAsync(Guid conversationId);
}
