using System.Collections.Concurrent;
using GoChatAi.ChatService.Application.Feeds;
using GoChatAi.ServiceDefaults.Errors;
using GoChatAi.ServiceDefaults.Operations;
using Microsoft.Extensions.Options;

namespace GoChatAi.ChatService.Application.Generations;

/// <summary>
/// Runs generations as jobs apart from the calls that start them: a caller that disconnects does not stop one;
/// a cancel request (from any replica, through the leases), the loss of its lease, or the service's shutdown does.
/// Keeps the leases of the generations it runs renewed, so that other replicas know they are alive.
/// </summary>
public sealed partial class GenerationRunner(
    AnswerGeneration answers,
    IGenerationLeases leases,
    FeedWriter feedWriter,
    GracefulShutdown shutdown,
    IOptions<ChatOptions> options,
    TimeProvider timeProvider,
    ILogger<GenerationRunner> logger) : IHostedLifecycleService, IDisposable
{
    /// <summary>
    /// The most leases one round trip renews; more go in several, sent together. Like the feed's writes, it keeps each
    /// round trip's arrays off the large object heap, which only a full collection frees.
    /// </summary>
    internal const int MaxLeasesPerRenewal = 512;

    private readonly ConcurrentDictionary<Guid, LiveGeneration> _running = new();
    private readonly FailureStreak _renewFailures = new(timeProvider, options.Value.GenerationLease);
    private readonly CancellationTokenSource _stopping = new();
    private Task _renewals = Task.CompletedTask;

    /// <summary>
    /// Cancelled when the service stops serving chat, after the drain delay: live feeds end with it, so that their
    /// clients resume elsewhere, while the load balancer had its time to stop sending new calls here.
    /// </summary>
    public CancellationToken Stopping => _stopping.Token;

    /// <summary>A generation this replica runs, if it runs it.</summary>
    public LiveGeneration? Find(Guid generationId) => _running.GetValueOrDefault(generationId);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await leases.SubscribeToCancelRequestsAsync(generationId => Find(generationId)?.Stop(GenerationStop.Cancelled));
        _renewals = RenewLeasesAsync(_stopping.Token);
    }

    /// <summary>
    /// Shutdown ends every answer in flight as incomplete and stores it, once readiness has been false for the drain
    /// delay. This runs in the host's stopping phase, before the web server stops: the server waits for in-flight
    /// calls, and a stream following an answer would hold it for the whole grace period, then be cut without its
    /// final event. Ended here, every stream sends its final event and closes normally.
    /// </summary>
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        await shutdown.DrainAsync(cancellationToken);
        await _stopping.CancelAsync();
        await StopRunningAsync(cancellationToken);
    }

    /// <summary>Answers launched by calls that came in while the server was stopping end the same way.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await StopRunningAsync(cancellationToken);
        await _renewals.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _stopping.Dispose();

    /// <summary>
    /// Starts a generation that holds its conversation's lease. The model is asked at once, and thinks while
    /// <paramref name="storeMessages"/> stores the user's message (none for a regenerated answer) and the answer-to-be;
    /// only then do the first events (the user's message, the answer's start) go out, and with <paramref name="follow"/> the caller gets every event
    /// from the first. When storing fails, the model's answer is dropped unseen and the failure is thrown.
    /// </summary>
    public async Task<(LiveGeneration Generation, System.Threading.Channels.ChannelReader<FeedEntry>? Events)> LaunchAsync(
        GenerationJob job, LeasedGeneration lease, Domain.Message? userMessage, bool follow, Func<Task> storeMessages)
    {
        var live = new LiveGeneration(job, lease, feedWriter, timeProvider.GetTimestamp());
        ModelStream? model = null;
        try
        {
            model = answers.Ask(live);
            await storeMessages();
        }
        catch
        {
            live.Stop(GenerationStop.NotStored);
            if (model is not null)
            {
                await model.DisposeAsync();
            }

            live.Dispose();
            throw;
        }

        var events = follow ? live.Follow() : null;
        _running[job.GenerationId] = live;
        if (userMessage is not null)
        {
            live.Publish(new MessageStored(MessageSnapshot.Of(userMessage)));
        }

        live.Publish(new AnswerStarted(MessageSnapshot.Of(job.Answer)));
        if (_stopping.IsCancellationRequested)
        {
            // Too late to answer: the model's request is cancelled and the job stores the answer as incomplete at once.
            live.Stop(GenerationStop.Shutdown);
        }

        _ = Task.Run(() => RunAsync(live, model));
        return (live, events);
    }

    /// <summary>
    /// Asks whichever replica runs a generation to stop it, and waits until it no longer runs: at most until its
    /// lease would lapse, should its replica be gone.
    /// </summary>
    public async Task CancelAsync(Guid conversationId, Guid generationId, CancellationToken cancellationToken)
    {
        if (Find(generationId) is { } local)
        {
            local.Stop(GenerationStop.Cancelled);
            await ((Task)local.Outcome).WaitAsync(options.Value.GenerationLease, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            return;
        }

        await leases.RequestCancelAsync(generationId);
        var deadline = timeProvider.GetUtcNow() + options.Value.GenerationLease + TimeSpan.FromSeconds(1);
        while (timeProvider.GetUtcNow() < deadline && (await leases.GetRunningAsync(conversationId))?.GenerationId == generationId)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), timeProvider, cancellationToken);
        }
    }

    /// <summary>Stops the generation running in a conversation, if any (the conversation is being deleted).</summary>
    public async Task CancelRunningInAsync(Guid conversationId, CancellationToken cancellationToken)
    {
        if (await leases.GetRunningAsync(conversationId) is { } running)
        {
            await CancelAsync(conversationId, running.GenerationId, cancellationToken);
        }
    }

    private async Task RunAsync(LiveGeneration live, ModelStream model)
    {
        var job = live.Job;
        try
        {
            await answers.RunAsync(live, model, () => FreeConversationAsync(live), _stopping.Token);
        }
        catch (Exception exception)
        {
            // AnswerGeneration ends every answer itself; this is the net under it, so that no caller waits forever.
            LogRunFailed(logger, exception, job.GenerationId);
            var failure = ServiceErrors.Classify(exception, logger, "generation");
            live.Publish(AnswerFailed.Of(job.Answer, failure));
            await live.CompleteAsync(new GenerationOutcome(job.Answer, failure));
        }
        finally
        {
            _running.TryRemove(job.GenerationId, out _);
            live.Dispose();
            await ReleaseAsync(job);
        }
    }

    /// <summary>
    /// The answer is stored and its last event out: the lease goes (no more renewals, nothing left to cancel) while
    /// the job finishes its after-work (the quota, the conversation's title). Writing the last event ended it, unless
    /// that event went out before the answer was stored or did not reach the feed.
    /// </summary>
    private async Task FreeConversationAsync(LiveGeneration live)
    {
        var ended = await live.LastEventWritten;
        _running.TryRemove(live.Job.GenerationId, out _);
        if (!ended)
        {
            await ReleaseAsync(live.Job);
        }
    }

    private async Task ReleaseAsync(GenerationJob job)
    {
        try
        {
            await leases.ReleaseAsync(job.ConversationId, job.GenerationId);
        }
        catch (Exception exception) when (DependencyFailure.Of(exception) is not null)
        {
            // The lease lapses by itself within seconds.
            LogReleaseFailed(logger, exception, job.GenerationId);
        }
    }

    private async Task StopRunningAsync(CancellationToken cancellationToken)
    {
        var running = _running.Values.ToList();
        foreach (var generation in running)
        {
            generation.Stop(GenerationStop.Shutdown);
        }

        await ((Task)Task.WhenAll(running.Select(r => r.Outcome))).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>
    /// Renews every lease this replica holds, a third of a lease apart, in one round trip; a generation whose lease
    /// another replica took (it was taken for abandoned) stops.
    /// </summary>
    private async Task RenewLeasesAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(options.Value.GenerationLease / 3, timeProvider);
        // Past shutdown too: an answer being stored late keeps its conversation until it is.
        while (await timer.WaitForNextTickAsync(CancellationToken.None).ConfigureAwait(false) && !(stopping.IsCancellationRequested && _running.IsEmpty))
        {
            var running = _running.Values.ToList();
            if (running.Count == 0)
            {
                continue;
            }

            try
            {
                var parts = running.Chunk(MaxLeasesPerRenewal).ToList();
                var held = await Task.WhenAll(parts.Select(part => leases.RenewAsync([.. part.Select(r => r.Lease)])));
                _renewFailures.Succeeded();
                for (var p = 0; p < parts.Count; p++)
                {
                    for (var i = 0; i < parts[p].Length; i++)
                    {
                        // A lease that ended with its generation's last event is not lost.
                        if (!held[p][i] && !parts[p][i].IsEndingLease)
                        {
                            LogLeaseLost(logger, parts[p][i].Job.GenerationId);
                            parts[p][i].Stop(GenerationStop.LeaseLost);
                        }
                    }
                }
            }
            catch (Exception exception) when (DependencyFailure.Of(exception) is not null)
            {
                // The next tick tries again; a lease lapses only after three missed renewals.
                if (_renewFailures.Failed(exception) is not FailureLog.Quiet)
                {
                    LogRenewFailed(logger, exception, running.Count);
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Generation {GenerationId} failed unexpectedly")]
    private static partial void LogRunFailed(ILogger logger, Exception exception, Guid generationId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The lease of generation {GenerationId} could not be released; it lapses by itself")]
    private static partial void LogReleaseFailed(ILogger logger, Exception exception, Guid generationId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Generation {GenerationId} lost its lease to another replica; stopping it")]
    private static partial void LogLeaseLost(ILogger logger, Guid generationId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Renewing the leases of {Count} generations failed")]
    private static partial void LogRenewFailed(ILogger logger, Exception exception, int count);
}
