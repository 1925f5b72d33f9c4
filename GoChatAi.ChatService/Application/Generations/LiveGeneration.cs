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
/// go to the conversation's feed through the <see cref="FeedWriter"/> and, once written (with their cursors),
/// straight to the followers in this process, which never read them back from Redis. When the feed fails, the
/// events still reach the followers here, without cursors, and the generation stops.
/// </summary>
public sealed class LiveGeneration(GenerationJob job, LeasedGeneration lease, FeedWriter writer, long startedAt) : IFeedEventSink, IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource<GenerationOutcome> _outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _finalDelivered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _gate = new();
    private readonly List<ChannelWriter<FeedEntry>> _followers = [];
    private int _stopReason = -1;
    private bool _feedFailed;

    public GenerationJob Job { get; } = job;

    public LeasedGeneration Lease { get; } = lease;

    /// <summary>When the job started (a <see cref="TimeProvider"/> timestamp), for its durations.</summary>
    public long StartedAt { get; } = startedAt;

    public CancellationToken Token => _stop.Token;

    public GenerationStop? StopReason => _stopReason < 0 ? null : (GenerationStop)_stopReason;

    /// <summary>Ends when the answer is stored and its last event has reached the followers here.</summary>
    public Task<GenerationOutcome> Outcome => _outcome.Task;

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

    /// <summary>Sends an event to the feed and, once written, to the followers here.</summary>
    public void Publish(ConversationEvent chatEvent)
    {
        lock (_gate)
        {
            if (_feedFailed)
            {
                Deliver(new FeedEntry(Job.ConversationId, 0, chatEvent));
                return;
            }
        }

        writer.Enqueue(Job.ConversationId, chatEvent, this);
    }

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

    void IFeedEventSink.Written(FeedEntry entry)
    {
        lock (_gate)
        {
            Deliver(entry);
        }
    }

    void IFeedEventSink.NotWritten(Guid conversationId, ConversationEvent chatEvent, Exception exception)
    {
        lock (_gate)
        {
            _feedFailed = true;
            Deliver(new FeedEntry(conversationId, 0, chatEvent));
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
