using System.Threading.Channels;
using GoChatAi.ChatService.Application.Feeds;
using GoChatAi.ChatService.Domain;
using GoChatAi.ServiceDefaults.Errors;

namespace GoChatAi.ChatService.Application.Generations;

/// <summary>
/// What a generation was asked to do, fixed when it starts, with the history its context is built from (newest first)
/// and the request's field that holds the newest of it, named when that does not fit the model's window.
/// </summary>
public sealed record GenerationJob(
    Guid UserId,
    Guid ConversationId,
    Message Answer,
    ChatModel Model,
    double? Temperature,
    int MaxTokens,
    string? SystemPrompt,
    IReadOnlyList<ContextMessage> History,
    Guid? ApiKeyId = null,
    string NewestMessageField = "message")
{
    public Guid GenerationId => Answer.GenerationId!.Value;
}

/// <summary>How a generation ended: the answer as stored, and the failure if it failed.</summary>
public sealed record GenerationOutcome(Message Answer, ServiceException? Failure);

/// <summary>Why a generation was stopped before the model finished.</summary>
public enum GenerationStop
{
    /// <summary>Its user cancelled it: the answer is kept, as cancelled.</summary>
    Cancelled,

    /// <summary>The service is shutting down.</summary>
    Shutdown,

    /// <summary>Another replica took it for abandoned (this one could not renew its lease in time).</summary>
    LeaseLost,

    /// <summary>The feed (Redis) did not take its events: nobody elsewhere could follow it.</summary>
    FeedUnavailable,

    /// <summary>The user's message could not be stored: the answer is never shown, nor stored.</summary>
    NotStored,
}

/// <summary>
/// A generation running in this process: what stops it, the followers it streams to here, and its end. Its events
/// go to the conversation's feed through the <see cref="FeedWriter"/> and, once placed (at the places its lease
/// reserved, just before they are written; past those, as written), straight to the followers in this process,
/// which never read them back from Redis. When the feed fails, the events still reach the followers here, without
/// cursors, and the generation stops.
/// </summary>
public sealed class LiveGeneration(GenerationJob job, LeasedGeneration lease, FeedWriter writer, long startedAt) : IFeedEventSink, IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource<GenerationOutcome> _outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _finalDelivered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<bool> _finalWritten = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _gate = new();
    private readonly List<ChannelWriter<FeedEntry>> _followers = [];
    private long _nextSequence = lease.SequenceBefore + 1;
    private int _stopReason = -1;
    private bool _feedFailed;
    private volatile bool _endsLease;
    private volatile bool _leaseEnding;

    public GenerationJob Job { get; } = job;

    public LeasedGeneration Lease { get; } = lease;

    /// <summary>When the job started (a <see cref="TimeProvider"/> timestamp), for its durations.</summary>
    public long StartedAt { get; } = startedAt;

    public CancellationToken Token => _stop.Token;

    public GenerationStop? StopReason => _stopReason < 0 ? null : (GenerationStop)_stopReason;

    /// <summary>Ends when the answer is stored and its last event has reached the followers here.</summary>
    public Task<GenerationOutcome> Outcome => _outcome.Task;

    /// <summary>
    /// Ends once the last event is in the feed or failed to get there: true when writing it ended the lease
    /// (<see cref="EndLeaseWithLastEvent"/> came first), false when the lease is still to be released.
    /// </summary>
    public Task<bool> LastEventWritten => _finalWritten.Task;

    /// <summary>Whether the answer is stored and only its last event is still on its way to the feed, the lease with it.</summary>
    public bool IsFinishing => _endsLease;

    /// <summary>Whether the feed writer is writing the last event, which ends the lease: a renewal may find it gone.</summary>
    public bool IsEndingLease => _leaseEnding;

    /// <summary>
    /// The generation's events from its first on, for a follower in this process: called before the first event
    /// is published (by the call that starts it).
    /// </summary>
    public ChannelReader<FeedEntry> Follow()
    {
        var channel = Channel.CreateUnbounded<FeedEntry>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        lock (_gate)
        {
            _followers.Add(channel.Writer);
        }

        return channel.Reader;
    }

    /// <summary>Sends an event to the feed and, once placed, to the followers here.</summary>
    public void Publish(ConversationEvent chatEvent)
    {
        lock (_gate)
        {
            if (_feedFailed)
            {
                Deliver(new FeedEntry(Job.ConversationId, 0, chatEvent));
                if (chatEvent.IsFinal)
                {
                    _finalWritten.TrySetResult(false);
                }

                return;
            }
        }

        writer.Enqueue(Job.ConversationId, chatEvent, this);
    }

    /// <summary>
    /// The answer is stored: the last event, published next, frees the conversation as it is written, so that the
    /// lease outlives every event of the generation (readers elsewhere wait for the reserved places while it stands).
    /// </summary>
    public void EndLeaseWithLastEvent() => _endsLease = true;

    /// <summary>Stops the generation; the first reason given is the one that counts.</summary>
    public void Stop(GenerationStop reason)
    {
        if (Interlocked.CompareExchange(ref _stopReason, (int)reason, -1) == -1)
        {
            try
            {
                _stop.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // It ended meanwhile: nothing left to stop.
            }
        }
    }

    /// <summary>The answer is stored (or given up on): the outcome is known once its last event reached the followers.</summary>
    public async Task CompleteAsync(GenerationOutcome outcome)
    {
        await _finalDelivered.Task;
        _outcome.TrySetResult(outcome);
    }

    /// <summary>Called by the feed writer only, one event after the other.</summary>
    long IFeedEventSink.TakeSequence() => _nextSequence <= Lease.LastReserved ? _nextSequence++ : 0;

    bool IFeedEventSink.EndsLease(ConversationEvent chatEvent)
    {
        if (!chatEvent.IsFinal || !_endsLease)
        {
            return false;
        }

        _leaseEnding = true;
        return true;
    }

    void IFeedEventSink.Placed(FeedEntry entry)
    {
        lock (_gate)
        {
            Deliver(entry);
        }
    }

    void IFeedEventSink.Written(FeedEntry entry)
    {
        if (entry.Event.IsFinal)
        {
            _finalWritten.TrySetResult(_leaseEnding);
        }
    }

    void IFeedEventSink.NotWritten(Guid conversationId, ConversationEvent chatEvent, bool placed, Exception exception)
    {
        lock (_gate)
        {
            _feedFailed = true;
            if (!placed)
            {
                Deliver(new FeedEntry(conversationId, 0, chatEvent));
            }
        }

        if (chatEvent.IsFinal)
        {
            _finalWritten.TrySetResult(false);
        }

        Stop(GenerationStop.FeedUnavailable);
    }

    private void Deliver(FeedEntry entry)
    {
        var final = entry.Event.IsFinal;
        foreach (var follower in _followers)
        {
            follower.TryWrite(entry);
            if (final)
            {
                follower.TryComplete();
            }
        }

        if (final)
        {
            _followers.Clear();
            _finalDelivered.TrySetResult();
        }
    }

    public void Dispose() => _stop.Dispose();
}
