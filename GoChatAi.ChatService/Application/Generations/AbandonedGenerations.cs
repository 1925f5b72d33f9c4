using GoChatAi.ChatService.Domain;
using GoChatAi.ChatService.Application.Feeds;
using GoChatAi.ServiceDefaults;
using GoChatAi.ServiceDefaults.Errors;
using GoChatAi.ServiceDefaults.Operations;
using Microsoft.Extensions.Options;

namespace GoChatAi.ChatService.Application.Generations;

/// <summary>
/// Ends the answers whose replica died (or lost touch with the cache) while generating them: on every replica, it
/// looks for answers still generating whose lease has lapsed, and ends each with the text its feed holds, as
/// incomplete, sends its final event and charges what was written. An answer must be seen abandoned twice, half a
/// lease apart, before it is taken: a replica whose lease vanished with a cache restart takes it back in between.
/// </summary>
public sealed partial class AbandonedGenerations(
    IServiceScopeFactory scopes,
    IGenerationLeases leases,
    IConversationFeed feed,
    ITokenCounter tokens,
    IUsageLimiter limiter,
    IStoreReadiness database,
    ChatMetrics metrics,
    IOptions<ChatOptions> options,
    TimeProvider timeProvider,
    ILogger<AbandonedGenerations> logger) : BackgroundService
{
    private const int MaxPerSweep = 100;

    private readonly FailureStreak _failures = new(timeProvider, options.Value.GenerationLease);
    private HashSet<Guid> _suspects = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await database.WhenReadyAsync(stoppingToken);
        using var timer = new PeriodicTimer(options.Value.GenerationLease / 2, timeProvider);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await SweepAsync(stoppingToken);
                if (_failures.Succeeded())
                {
                    LogSweepRecovered(logger);
                }
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                // The database or the cache is down (or worse); the next sweep looks again.
                if (_failures.Failed(exception) is not FailureLog.Quiet)
                {
                    LogSweepFailed(logger, exception);
                }
            }
        }
    }

    private async Task SweepAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<Message> generating;
        await using (var scope = scopes.CreateAsyncScope())
        {
            generating = await scope.ServiceProvider.GetRequiredService<IConversationStore>()
                .ListGeneratingAsync(timeProvider.GetUtcNow() - options.Value.GenerationLease, MaxPerSweep, cancellationToken);
        }

        var suspects = new HashSet<Guid>();
        foreach (var answer in generating)
        {
            var generationId = answer.GenerationId!.Value;
            if ((await leases.GetRunningAsync(answer.ConversationId))?.GenerationId == generationId)
            {
                continue;
            }

            if (_suspects.Contains(generationId))
            {
                await FinishAsync(answer, FinishReason.Incomplete, cancellationToken);
            }
            else
            {
                suspects.Add(generationId);
            }
        }

        _suspects = suspects;
    }

    /// <summary>
    /// Ends an answer nobody runs any more, with the text its feed holds (all of it, when its replica had written
    /// its last event): false when its replica still holds it or another replica is ending it.
    /// </summary>
    public async Task<bool> FinishAsync(Message answer, FinishReason reason, CancellationToken cancellationToken)
    {
        var generationId = answer.GenerationId!.Value;
        if (!await leases.TryClaimAbandonedAsync(answer.ConversationId, generationId))
        {
            return false;
        }

        var events = await feed.ReadGenerationAsync(answer.ConversationId, generationId);
        var text = string.Concat(events.OfType<AnswerDelta>().Select(delta => delta.Text));
        var ended = events.LastOrDefault(e => e.IsFinal);
        if (ended is AnswerCompleted completed)
        {
            // Its replica had sent the end but could not store it.
            reason = completed.FinishReason ?? reason;
        }

        var completion = tokens.Count(text);
        answer.Finish(text, reason, promptTokens: null, completion);
        var now = timeProvider.GetUtcNowForStorage();
        var usage = completion == 0 ? null : new UsageRecord
        {
            UserId = await OwnerAsync(answer.ConversationId, cancellationToken),
            ConversationId = answer.ConversationId,
            GenerationId = generationId,
            Model = answer.Model ?? "",
            CompletionTokens = completion,
            Day = DateOnly.FromDateTime(now.UtcDateTime),
            RecordedAt = now,
        };

        AnswerStored stored;
        await using (var scope = scopes.CreateAsyncScope())
        {
            stored = await scope.ServiceProvider.GetRequiredService<IConversationStore>()
                .FinishAnswerAsync(answer, tokens.CountMessage(text), usage, cancellationToken);
        }

        if (stored != AnswerStored.Stored)
        {
            return false;
        }

        LogFinishedAbandoned(logger, generationId, reason);
        if (usage is not null)
        {
            await CountQuotaAsync(usage);
        }

        metrics.MessagesStored(MessageRole.Assistant);
        metrics.AnswerFinished(answer.Model ?? "", reason, timeProvider.GetUtcNow() - answer.CreatedAt);
        if (ended is null)
        {
            await feed.AppendAsync(answer.ConversationId, reason == FinishReason.Cancelled
                ? AnswerCompleted.Of(answer)
                : AnswerFailed.Of(answer, ErrorKind.Unavailable, "The server generating this answer stopped; the text it had written is kept."));
        }

        return true;
    }

    /// <summary>What was written counts against the user's daily tokens, as any answer's does (its replica never counted it).</summary>
    private async Task CountQuotaAsync(UsageRecord usage)
    {
        try
        {
            await limiter.AddTokensAsync(usage.UserId, usage.CompletionTokens);
        }
        catch (Exception exception) when (DependencyFailure.Of(exception) is not null)
        {
            LogQuotaNotCounted(logger, exception, usage.GenerationId);
        }
    }

    private async Task<Guid> OwnerAsync(Guid conversationId, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IConversationStore>().FindOwnerAsync(conversationId, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Looking for abandoned answers fails; trying again")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Looking for abandoned answers works again")]
    private static partial void LogSweepRecovered(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The tokens of abandoned generation {GenerationId} could not be added to today's count; the ledger has them")]
    private static partial void LogQuotaNotCounted(ILogger logger, Exception exception, Guid generationId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Generation {GenerationId} was abandoned by its replica; ended it as {FinishReason} with the text its feed holds")]
    private static partial void LogFinishedAbandoned(ILogger logger, Guid generationId, FinishReason finishReason);
}
