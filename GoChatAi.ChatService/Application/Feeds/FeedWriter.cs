using System.Threading.Channels;

namespace GoChatAi.ChatService.Application.Feeds;

/// <summary>Where a written event goes next: the live generation that made it, which hands it to its followers.</summary>
public interface IFeedEventSink
{
    /// <summary>The event is in the feed, at its place.</summary>
    void Written(FeedEntry entry);

    /// <summary>The feed could not take the event; it goes on without a place.</summary>
    void NotWritten(Guid conversationId, ConversationEvent chatEvent, Exception exception);
}

/// <summary>
/// Writes the events of every generation this replica runs into the conversations' feeds, as many as are waiting
/// in one round trip (a group commit): an event alone is written at once, and under load the batches grow instead
/// of the round trips. The pieces of one answer that waited together are written (and delivered) as one piece with
/// their text, so that under load the work follows the number of answers, not of their pieces. One writer keeps
/// each generation's events in order.
/// </summary>
public sealed partial class FeedWriter(IConversationFeed feed, ChatMetrics metrics, TimeProvider timeProvider, ILogger<FeedWriter> logger) : BackgroundService
{
    /// <summary>The most events taken for one round trip (before an answer's pieces are joined): bounds a batch's delay.</summary>
    private const int MaxBatch = 8192;

    private readonly Channel<QueuedEvent> _queue =
        Channel.CreateUnbounded<QueuedEvent>(new UnboundedChannelOptions { SingleReader = true });

    public void Enqueue(Guid conversationId, ConversationEvent chatEvent, IFeedEventSink sink)
    {
        if (!_queue.Writer.TryWrite(new QueuedEvent(conversationId, chatEvent, sink)))
        {
            sink.NotWritten(conversationId, chatEvent, new InvalidOperationException("The feed writer has stopped."));
        }
    }

    /// <summary>Stops taking events once every generation has written its last (the runner stops first).</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<QueuedEvent>(MaxBatch);
        // Drained to its end even while stopping: the last events of every answer must reach their followers.
        while (await _queue.Reader.WaitToReadAsync(CancellationToken.None))
        {
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var item))
            {
                batch.Add(item);
            }

            await WriteAsync(batch);
            batch.Clear();
        }
    }

    private async Task WriteAsync(List<QueuedEvent> batch)
    {
        // Grouped by conversation, each group in the order queued; the entries come back in the same order.
        var groups = batch.GroupBy(item => item.ConversationId).Select(JoinPieces).ToList();
        var appends = groups.ConvertAll(group => new FeedAppend(group[0].ConversationId, group.ConvertAll(item => item.Event)));
        var started = timeProvider.GetTimestamp();
        IReadOnlyList<FeedEntry> entries;
        try
        {
            entries = await feed.AppendAsync(appends);
            metrics.FeedBatchWritten(batch.Count, timeProvider.GetElapsedTime(started));
        }
        catch (Exception exception)
        {
            // Not retried: a timed-out append may have been stored, and an event must never reach a feed twice.
            LogWriteFailed(logger, exception, batch.Count);
            foreach (var item in batch)
            {
                item.Sink.NotWritten(item.ConversationId, item.Event, exception);
            }

            return;
        }

        var next = 0;
        foreach (var item in groups.SelectMany(group => group))
        {
            item.Sink.Written(entries[next++]);
        }
    }

    /// <summary>A conversation's events in order, each run of one answer's consecutive pieces joined into one.</summary>
    private static List<QueuedEvent> JoinPieces(IEnumerable<QueuedEvent> conversation)
    {
        var joined = new List<QueuedEvent>();
        var run = new List<AnswerDelta>();
        foreach (var item in conversation)
        {
            if (item.Event is AnswerDelta piece && run.Count > 0 && piece.GenerationId == run[0].GenerationId)
            {
                run.Add(piece);
                continue;
            }

            EndRun();
            joined.Add(item);
            if (item.Event is AnswerDelta first)
            {
                run.Add(first);
            }
        }

        EndRun();
        return joined;

        // The run's first item stands for the run, with the run's text.
        void EndRun()
        {
            if (run.Count > 1)
            {
                joined[^1] = joined[^1] with { Event = AnswerDelta.Join(run) };
            }

            run.Clear();
        }
    }

    private readonly record struct QueuedEvent(Guid ConversationId, ConversationEvent Event, IFeedEventSink Sink);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing {Count} events to the chat feeds failed")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, int count);
}
