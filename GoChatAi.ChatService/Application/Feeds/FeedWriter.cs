using System.Threading.Channels;

namespace GoChatAi.ChatService.Application.Feeds;

/// <summary>Where a generation's events go once they have their places: its followers on this replica.</summary>
public interface IFeedEventSink
{
    /// <summary>The next of the places reserved for the generation's events, or 0 when none is left (or none was reserved).</summary>
    long TakeSequence();

    /// <summary>Whether writing this event ends the generation's lease: it is its last, and its answer is stored.</summary>
    bool EndsLease(ConversationEvent chatEvent);

    /// <summary>The event has its place: reserved (it is written next) or given as it was written.</summary>
    void Placed(FeedEntry entry);

    /// <summary>The event is in the feed (after <see cref="Placed"/>).</summary>
    void Written(FeedEntry entry);

    /// <summary>The feed could not take the event: it goes on without a place unless it had one reserved.</summary>
    void NotWritten(Guid conversationId, ConversationEvent chatEvent, bool placed, Exception exception);
}

/// <summary>
/// Writes the events of every generation this replica runs into the conversations' feeds, as many as are waiting
/// at once (a group commit, in round trips of at most <see cref="MaxEventsPerWrite"/> sent together): an event alone
/// is written at once, and under load the batches grow instead of the round trips. The pieces of one answer that
/// waited together are written (and delivered) as one piece with their text, so that under load the work follows the
/// number of answers, not of their pieces. Events that take a place their generation reserved reach its followers
/// here before the round trip, not after it. One writer keeps each generation's events in order.
/// </summary>
public sealed partial class FeedWriter(IConversationFeed feed, ChatMetrics metrics, TimeProvider timeProvider, ILogger<FeedWriter> logger) : BackgroundService
{
    /// <summary>The most events taken at once (before an answer's pieces are joined): bounds a batch's delay.</summary>
    private const int MaxBatch = 8192;

    /// <summary>
    /// The most events one round trip writes, unless one conversation alone has more (its events are never split): a
    /// larger batch goes in parts, sent together. It keeps the arrays a round trip needs below the large object heap's
    /// 85,000 bytes; there, only a full collection frees them, and under 5,000 open answers they were a fifth of the
    /// service's memory per answer.
    /// </summary>
    internal const int MaxEventsPerWrite = 512;

    private readonly Channel<QueuedEvent> _queue =
        Channel.CreateUnbounded<QueuedEvent>(new UnboundedChannelOptions { SingleReader = true });

    public void Enqueue(Guid conversationId, ConversationEvent chatEvent, IFeedEventSink sink)
    {
        if (!_queue.Writer.TryWrite(new QueuedEvent(conversationId, chatEvent, sink)))
        {
            sink.NotWritten(conversationId, chatEvent, placed: false, new InvalidOperationException("The feed writer has stopped."));
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

    private Task WriteAsync(List<QueuedEvent> batch)
    {
        // Grouped by conversation, each group in the order queued and kept whole in one part; an event with a reserved
        // place is delivered now, the others once the feed has given them theirs.
        var parts = new List<Task>();
        var part = new List<QueuedEvent>();
        foreach (var conversation in batch.GroupBy(item => item.ConversationId))
        {
            var events = JoinPieces(conversation);
            if (part.Count > 0 && part.Count + events.Count > MaxEventsPerWrite)
            {
                parts.Add(WritePartAsync(part));
                part = [];
            }

            part.AddRange(events.Select(Place));
        }

        if (part.Count > 0)
        {
            parts.Add(WritePartAsync(part));
        }

        return Task.WhenAll(parts);
    }

    /// <summary>One round trip; the entries come back in the order of the appends. It fails alone, its events with it.</summary>
    private async Task WritePartAsync(List<QueuedEvent> events)
    {
        var appends = Appends(events);
        var started = timeProvider.GetTimestamp();
        IReadOnlyList<FeedEntry> entries;
        try
        {
            entries = await feed.AppendAsync(appends);
            metrics.FeedBatchWritten(events.Count, timeProvider.GetElapsedTime(started));
        }
        catch (Exception exception)
        {
            // Not retried: a timed-out append may have been stored, and an event must never reach a feed twice.
            LogWriteFailed(logger, exception, events.Count);
            foreach (var item in events)
            {
                item.Sink.NotWritten(item.ConversationId, item.Event, placed: item.Sequence > 0, exception);
            }

            return;
        }

        for (var i = 0; i < events.Count; i++)
        {
            if (events[i].Sequence == 0)
            {
                events[i].Sink.Placed(entries[i]);
            }

            events[i].Sink.Written(entries[i]);
        }
    }

    private static QueuedEvent Place(QueuedEvent item)
    {
        var sequence = item.Sink.TakeSequence();
        if (sequence == 0)
        {
            return item;
        }

        item.Sink.Placed(new FeedEntry(item.ConversationId, sequence, item.Event));
        return item with { Sequence = sequence };
    }

    /// <summary>Each run of a conversation's events numbered ahead (their places follow each other), or not, is one append.</summary>
    private static List<FeedAppend> Appends(List<QueuedEvent> events)
    {
        var appends = new List<FeedAppend>();
        for (var start = 0; start < events.Count;)
        {
            var first = events[start];
            var end = start + 1;
            while (end < events.Count && events[end].ConversationId == first.ConversationId
                && (first.Sequence == 0 ? events[end].Sequence == 0 : events[end].Sequence == first.Sequence + (end - start)))
            {
                end++;
            }

            var run = events.GetRange(start, end - start);
            var ending = run.FindIndex(item => item.Sink.EndsLease(item.Event));
            appends.Add(new FeedAppend(first.ConversationId, run.ConvertAll(item => item.Event), first.Sequence,
                ending < 0 ? null : run[ending].Event.GenerationId));
            start = end;
        }

        return appends;
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

    /// <summary>An event to write, and once numbered, the place its generation reserved for it (0: none).</summary>
    private readonly record struct QueuedEvent(Guid ConversationId, ConversationEvent Event, IFeedEventSink Sink, long Sequence = 0);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing {Count} events to the chat feeds failed")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, int count);
}
