using GoChatAi.ChatService.Application.Feeds;

namespace GoChatAi.ChatService.Application;

/// <summary>
/// A generation this replica runs, as its lease names it, with the places in its conversation's feed reserved for
/// its events: those after <see cref="SequenceBefore"/> up to <see cref="LastReserved"/>.
/// </summary>
public readonly record struct LeasedGeneration(Guid ConversationId, Guid GenerationId, long SequenceBefore, long LastReserved);

/// <summary>A generation running in a conversation, and the feed sequence before its first event.</summary>
public readonly record struct RunningGeneration(Guid GenerationId, long? SequenceBefore);

/// <summary>
/// Which generation runs in a conversation, shared by every replica: at most one per conversation, held by a short
/// lease (<see cref="ChatOptions.GenerationLease"/>) that the replica running it renews, so that a replica that dies
/// frees its conversations within seconds and any replica can then finish what it left
/// (<see cref="TryClaimAbandonedAsync"/>). Taking a lease reserves the next places of the conversation's feed for
/// the generation's events, so that they can be numbered, and shown to followers on its replica, before they are
/// written; while it holds them, readers see no further than what it has written (<see cref="IConversationFeed"/>).
/// The lease also says where the generation's events start (a reader that joins late replays it from there), and
/// cancel requests reach whichever replica runs a generation.
/// </summary>
public interface IGenerationLeases
{
    /// <summary>Takes a conversation for a generation; null when another generation holds it.</summary>
    Task<LeasedGeneration?> TryAcquireAsync(Guid conversationId, Guid generationId);

    /// <summary>Renews the leases of the generations this replica runs; false for each one it no longer holds.</summary>
    Task<bool[]> RenewAsync(IReadOnlyList<LeasedGeneration> generations);

    /// <summary>The generation running in a conversation, if any.</summary>
    Task<RunningGeneration?> GetRunningAsync(Guid conversationId);

    /// <summary>
    /// Claims a generation whose lease lapsed, so that this replica alone finishes it; false while its replica still
    /// holds it or another replica has claimed it.
    /// </summary>
    Task<bool> TryClaimAbandonedAsync(Guid conversationId, Guid generationId);

    /// <summary>
    /// Frees the conversation. A generation whose answer is stored before its last event is written needs none: the
    /// feed frees it as that event is written (<see cref="FeedAppend.EndsLease"/>).
    /// </summary>
    Task ReleaseAsync(Guid conversationId, Guid generationId);

    /// <summary>Asks every replica to stop the generation, if it runs it.</summary>
    Task RequestCancelAsync(Guid generationId);

    /// <summary>Calls <paramref name="onCancelRequested"/> with the generation of every cancel request, from any replica.</summary>
    Task SubscribeToCancelRequestsAsync(Action<Guid> onCancelRequested);
}
