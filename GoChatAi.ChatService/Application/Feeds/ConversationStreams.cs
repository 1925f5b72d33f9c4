using System.Runtime.CompilerServices;
using System.Threading.Channels;
using GoChatAi.ChatService.Application.Generations;
using GoChatAi.ChatService.Domain;
using GoChatAi.ServiceDefaults.Errors;

namespace GoChatAi.ChatService.Application.Feeds;

/// <summary>The event streams the API sends: a generation's from this replica's memory, a feed's from the cache.</summary>
public sealed class ConversationStreams(IConversationFeed feed, IGenerationLeases leases, IServiceScopeFactory scopes)
{
    /// <summary>One generation's events as this replica runs it, from its user message to its end (StreamChat, the SSE endpoint).</summary>
    public static IAsyncEnumerable<FeedEntry> FollowGenerationAsync(StartedGeneration started, CancellationToken cancellationToken) =>
        (started.Events ?? throw new InvalidOperationException("The generation was started without a follower.")).ReadAllAsync(cancellationToken);

    /// <summary>
    /// Everything after a cursor until the first generation that ends after it (resuming an SSE stream): the rest of
    /// the answer the client was following, from whichever replica runs it. Should that replica have died, or the
    /// answer's last event never reached the feed, the stream ends with the answer's end as stored.
    /// </summary>
    public async IAsyncEnumerable<FeedEntry> ResumeAsync(FeedCursor cursor, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Guid? followed = null;
        await foreach (var entry in feed.FollowAsync(cursor.ConversationId, cursor.Sequence,
            last => EndIfStoppedAsync(cursor.ConversationId, followed, last), cancellationToken))
        {
            followed ??= entry.Event.GenerationId;
            yield return entry;
            if (entry.Event.IsFinal)
            {
                yield break;
            }
        }
    }

    /// <summary>A conversation's whole feed from a position on, until the caller stops (StreamMessages).</summary>
    public IAsyncEnumerable<FeedEntry> FollowConversationAsync(Guid conversationId, long after, CancellationToken cancellationToken) =>
        feed.FollowAsync(conversationId, after, onIdle: null, cancellationToken);

    /// <summary>
    /// On an idle feed: nothing (keep waiting) while the generation followed runs, or its stored end when it no longer
    /// runs but ended, or null (end the stream) when nothing is followed or running.
    /// </summary>
    private async Task<IReadOnlyList<FeedEntry>?> EndIfStoppedAsync(Guid conversationId, Guid? followed, long last)
    {
        var running = await leases.GetRunningAsync(conversationId);
        if (running is not null && (followed is null || running.Value.GenerationId == followed))
        {
            return [];
        }

        if (followed is null)
        {
            return null;
        }

        await using var scope = scopes.CreateAsyncScope();
        var answer = await scope.ServiceProvider.GetRequiredService<IConversationStore>().FindAnswerAsync(followed.Value, CancellationToken.None);
        if (answer is null)
        {
            return null;
        }

        if (answer.Status == MessageStatus.Generating)
        {
            // Abandoned, and being ended elsewhere: its final event is on its way.
            return [];
        }

        ConversationEvent end = answer.FinishReason == FinishReason.Incomplete
            ? AnswerFailed.Of(answer, ErrorKind.Unavailable, "The answer ended without its last event; it is stored as shown.")
            : AnswerCompleted.Of(answer);
        return [new FeedEntry(conversationId, last, end)];
    }
}
