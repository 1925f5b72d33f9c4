using System.Text;
using GoChatAi.ChatService.Application.Feeds;
using GoChatAi.ChatService.Domain;
using GoChatAi.ServiceDefaults;
using GoChatAi.ServiceDefaults.Errors;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using AiChatOptions = Microsoft.Extensions.AI.ChatOptions;

namespace GoChatAi.ChatService.Application.Generations;

/// <summary>
/// One generation, from the model's first token to the answer stored: streams the model's text to the
/// generation's events, ends the answer with why it ended (the model's reason, cancelled, or incomplete with the
/// failure), stores it with its usage, sends the final event, and names a new conversation. The caller always
/// gets an end: the answer, or a clear failure, even when storing it fails (then it is stored as soon as the
/// database answers again).
/// </summary>
public sealed partial class AnswerGeneration(
    IServiceScopeFactory scopes,
    IModelClientProvider clients,
    ITokenCounter tokens,
    IUsageLimiter limiter,
    ConversationTitles titles,
    ChatMetrics metrics,
    IOptions<ChatOptions> options,
    TimeProvider timeProvider,
    ILogger<AnswerGeneration> logger)
{
    private static readonly TimeSpan s_firstStoreRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan s_lastStoreRetry = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Asks the model for the job's answer, with as much of the history as fits its window: at once, before the
    /// generation runs. A conversation whose new message leaves no room for an answer is refused here.
    /// </summary>
    public ModelStream Ask(LiveGeneration live)
    {
        var job = live.Job;
        var (context, contextTokens) = ModelContext.Build(job, tokens);
        var chatOptions = new AiChatOptions
        {
            ModelId = job.Model.Id,
            Temperature = job.Temperature is { } temperature ? (float)temperature : null,
            MaxOutputTokens = job.MaxTokens,
        };
        return ModelStream.Start(clients.ClientFor(job.Model), context, chatOptions, contextTokens, live.Token);
    }

    /// <param name="live">The generation, whose first events are out.</param>
    /// <param name="model">The model's answer, asked for by <see cref="Ask"/>.</param>
    /// <param name="lastEventOut">
    /// Called once the answer is stored and its final event is out, to free the conversation (at once, or as the
    /// feed writes that event when it went out after the answer was stored).
    /// </param>
    /// <param name="stopping">Signalled when the service stops: an answer that could not be stored is left to another replica then.</param>
    public async Task RunAsync(LiveGeneration live, ModelStream model, Func<Task> lastEventOut, CancellationToken stopping)
    {
        var job = live.Job;
        var answer = await GenerateAsync(live, model);
        var failure = answer.Failure;
        // The tokens were spent whether or not storing the answer works.
        metrics.TokensUsed(job.Model.Id, answer.PromptTokens, answer.CompletionTokens);
        if (failure is null)
        {
            job.Answer.Finish(answer.Content, answer.Finish!.Value, answer.PromptTokens, answer.CompletionTokens);
        }
        else
        {
            job.Answer.EndIncomplete(answer.Content, answer.PromptTokens, answer.CompletionTokens);
        }

        var finish = job.Answer.FinishReason!.Value;

        var stored = await TryStoreAsync(job);
        if (stored is null)
        {
            // The database is down: the caller hears it now, and the answer is stored once it is back.
            live.Publish(AnswerFailed.Of(job.Answer, DependencyFailure.ToServiceException()));
            await live.CompleteAsync(new GenerationOutcome(job.Answer, DependencyFailure.ToServiceException()));
            stored = await StoreWhenPossibleAsync(job, stopping);
            if (stored is null)
            {
                return;
            }

            await lastEventOut();
        }
        else
        {
            live.EndLeaseWithLastEvent();
            live.Publish(failure is null ? AnswerCompleted.Of(job.Answer) : AnswerFailed.Of(job.Answer, failure));
            await live.CompleteAsync(new GenerationOutcome(job.Answer, failure));
            await lastEventOut();
        }

        metrics.AnswerFinished(job.Model.Id, finish, timeProvider.GetElapsedTime(live.StartedAt));
        if (stored == AnswerStored.FinishedElsewhere)
        {
            LogFinishedElsewhere(logger, job.GenerationId);
            return;
        }

        metrics.MessagesStored(MessageRole.Assistant);
        await CountQuotaAsync(job);
        if (finish == FinishReason.Stop && failure is null && options.Value.GenerateTitles)
        {
            await titles.NameAsync(job);
        }
    }

    /// <summary>What the model wrote, and why it ended (null when it failed: then the answer ends incomplete).</summary>
    private sealed record Generated(string Content, FinishReason? Finish, ServiceException? Failure, int? PromptTokens, int? CompletionTokens);

    private async Task<Generated> GenerateAsync(LiveGeneration live, ModelStream model)
    {
        await using var modelStream = model;
        var job = live.Job;
        var content = new StringBuilder();
        FinishReason? finish = null;
        ServiceException? failure = null;
        int? promptTokens = null, completionTokens = null;
        try
        {
            await foreach (var update in model.ReadAllAsync())
            {
                var text = update.Text;
                if (!string.IsNullOrEmpty(text))
                {
                    if (content.Length == 0)
                    {
                        metrics.FirstToken(job.Model.Id, timeProvider.GetElapsedTime(live.StartedAt));
                    }

                    content.Append(text);
                    live.Publish(new AnswerDelta(job.GenerationId, text));
                }

                if (update.FinishReason is { } reason)
                {
                    finish = ToFinishReason(reason);
                }

                foreach (var usage in update.Contents.OfType<UsageContent>())
                {
                    promptTokens = (int?)usage.Details.InputTokenCount ?? promptTokens;
                    completionTokens = (int?)usage.Details.OutputTokenCount ?? completionTokens;
                }
            }

            if (finish is null)
            {
                // A stream that closed without a finish_reason (or [DONE]) was cut: keep what came, say so.
                failure = new ServiceException(ErrorKind.Unavailable, "The model's answer broke off before its end.");
            }
        }
        catch (Exception) when (live.Token.IsCancellationRequested)
        {
            (finish, failure) = live.StopReason switch
            {
                GenerationStop.Cancelled => (FinishReason.Cancelled, null),
                GenerationStop.FeedUnavailable => (finish, DependencyFailure.ToServiceException()),
                GenerationStop.LeaseLost => (finish, new ServiceException(ErrorKind.Unavailable,
                    "The answer was taken over by another server after this one lost touch with the cache.")),
                _ => (finish, new ServiceException(ErrorKind.Unavailable, "The service stopped while the answer was being generated.")),
            };
            if (live.StopReason == GenerationStop.Shutdown)
            {
                LogStoppedByShutdown(logger, job.GenerationId);
            }
        }
        catch (ServiceException exception)
        {
            failure = exception;
        }
        catch (Exception exception) when (DependencyFailure.Of(exception) is not null)
        {
            // The cache or the database failed, not the model: said as such, not as the model's timeout.
            failure = ServiceErrors.Classify(exception, logger, "generation");
        }
        catch (Exception exception)
        {
            failure = clients.ToServiceException(exception, job.Model.Id, logger);
        }

        // The provider's count when it gave one; else ours.
        var written = content.ToString();
        if (promptTokens is null && completionTokens is null && (failure is null || written.Length > 0))
        {
            promptTokens = model.PromptTokens;
            completionTokens = tokens.Count(written);
        }

        return new Generated(written, failure is null ? finish : null, failure, promptTokens, completionTokens);
    }

    /// <summary>Stores the answer once; null when the database is unavailable.</summary>
    private async Task<AnswerStored?> TryStoreAsync(GenerationJob job)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var store = scope.ServiceProvider.GetRequiredService<IConversationStore>();
            var answer = job.Answer;
            var total = (answer.PromptTokens ?? 0) + (answer.CompletionTokens ?? 0);
            var now = timeProvider.GetUtcNowForStorage();
            var usage = total == 0 ? null : new UsageRecord
            {
                UserId = job.UserId,
                ConversationId = job.ConversationId,
                GenerationId = job.GenerationId,
                ApiKeyId = job.ApiKeyId,
                Model = job.Model.Id,
                PromptTokens = answer.PromptTokens ?? 0,
                CompletionTokens = answer.CompletionTokens ?? 0,
                Day = DateOnly.FromDateTime(now.UtcDateTime),
                RecordedAt = now,
            };
            return await store.FinishAnswerAsync(answer, tokens.CountMessage(answer.Content), usage, CancellationToken.None);
        }
        catch (Exception exception) when (DependencyFailure.Of(exception) is not null)
        {
            LogStoreFailed(logger, exception, job.GenerationId);
            return null;
        }
    }

    /// <summary>Tries again, further apart each time, until stored or the service stops.</summary>
    private async Task<AnswerStored?> StoreWhenPossibleAsync(GenerationJob job, CancellationToken stopping)
    {
        for (var delay = s_firstStoreRetry; !stopping.IsCancellationRequested; delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, s_lastStoreRetry.Ticks)))
        {
            await Task.Delay(delay, timeProvider, stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (!stopping.IsCancellationRequested && await TryStoreAsync(job) is { } stored)
            {
                LogStoredLate(logger, job.GenerationId);
                return stored;
            }
        }

        // Left to any replica: the feed holds the text, and the answer is ended from it once its lease lapses.
        LogStoreAbandoned(logger, job.GenerationId);
        return null;
    }

    private async Task CountQuotaAsync(GenerationJob job)
    {
        try
        {
            await limiter.AddTokensAsync(job.UserId, (job.Answer.PromptTokens ?? 0) + (job.Answer.CompletionTokens ?? 0));
        }
        catch (Exception exception) when (DependencyFailure.Of(exception) is not null)
        {
            LogQuotaNotCounted(logger, exception, job.GenerationId);
        }
    }

    private static FinishReason ToFinishReason(ChatFinishReason reason) =>
        reason == ChatFinishReason.Length ? FinishReason.Length
        : reason == ChatFinishReason.ContentFilter ? FinishReason.ContentFilter
        : FinishReason.Stop;

    [LoggerMessage(Level = LogLevel.Information, Message = "Generation {GenerationId} stopped by the shutdown")]
    private static partial void LogStoppedByShutdown(ILogger logger, Guid generationId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storing the answer of generation {GenerationId} failed; trying again until the database answers")]
    private static partial void LogStoreFailed(ILogger logger, Exception exception, Guid generationId);

    [LoggerMessage(Level = LogLevel.Information, Message = "The answer of generation {GenerationId} is stored, late")]
    private static partial void LogStoredLate(ILogger logger, Guid generationId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The answer of generation {GenerationId} could not be stored before the shutdown; another replica ends it from the feed")]
    private static partial void LogStoreAbandoned(ILogger logger, Guid generationId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Generation {GenerationId} was ended by another replica first")]
    private static partial void LogFinishedElsewhere(ILogger logger, Guid generationId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The tokens of generation {GenerationId} could not be added to today's quota count")]
    private static partial void LogQuotaNotCounted(ILogger logger, Exception exception, Guid generationId);
}
