using System.Collections.Concurrent;
using System.Text;
using GoChatAi.ChatService.Domain;
using GoChatAi.ChatService.Infrastructure;
using GoChatAi.ChatService.Infrastructure.Model;
using GoChatAi.ChatService.Infrastructure.Redis;
using GoChatAi.ServiceDefaults.Errors;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using AiChatOptions = Microsoft.Extensions.AI.ChatOptions;
using FinishReason = GoChatAi.ChatService.Domain.FinishReason;

namespace GoChatAi.ChatService.Application;

/// <summary>What a generation was asked to do, fixed when it starts.</summary>
public sealed record GenerationJob(
    Guid UserId,
    Guid ConversationId,
    Guid GenerationId,
    Message Answer,
    ChatModel Model,
    double? Temperature,
    int MaxTokens);

/// <summary>How a generation ended: the answer as stored, and the failure if it failed.</summary>
public sealed record GenerationOutcome(Message Answer, ServiceException? Failure);

/// <summary>
/// Runs generations as jobs apart from the calls that start them: a caller that disconnects does not stop one;
/// only a cancel request (from any replica, through Redis) or the service's shutdown does. Each job streams the
/// model's answer into the conversation's feed, then stores it with its usage, records the usage in the ledger,
/// frees the conversation, and names an untitled conversation after its first exchange.
/// </summary>
public sealed partial class GenerationRunner(
    IServiceScopeFactory scopeFactory,
    IConnectionMultiplexer redis,
    ChatClientProvider clients,
    TokenCounter tokens,
    ChatEventFeed feed,
    GenerationLocks locks,
    UsageLimiter limiter,
    ChatMetrics metrics,
    IOptions<ChatOptions> options,
    TimeProvider timeProvider,
    ILogger<GenerationRunner> logger) : IHostedLifecycleService, IDisposable
{
    /// <summary>How long a cancel request waits for the job to store what it had.</summary>
    private static readonly TimeSpan s_cancelWait = TimeSpan.FromSeconds(10);

    /// <summary>The most stored messages looked at when building a context; older ones never fit a real window anyway.</summary>
    private const int MaxHistoryMessages = 1000;

    /// <summary>Room left in the window for the provider's tokenizer counting a little differently from ours.</summary>
    private const double ContextSafetyMargin = 0.95;

    private readonly ConcurrentDictionary<Guid, RunningGeneration> _running = new();
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>
    /// Cancelled when the service stops serving chat, after the drain delay: live feeds end with it, so that their
    /// clients resume elsewhere, while the load balancer had its time to stop sending new calls here.
    /// </summary>
    public CancellationToken Stopping => _stopping.Token;

    public async Task StartAsync(CancellationToken cancellationToken) =>
        await redis.GetSubscriber().SubscribeAsync(GenerationLocks.CancelChannel, (_, value) =>
        {
            if (Guid.TryParseExact((string?)value, "N", out var generationId) && _running.TryGetValue(generationId, out var running))
            {
                running.Cancel(byUser: true);
            }
        });

    /// <summary>
    /// Shutdown ends every answer in flight as incomplete and stores it. This runs in the host's stopping phase
    /// (after the drain delay, before the web server stops), not in <see cref="StopAsync"/>: the server stops first
    /// and waits for in-flight calls, and a stream following an answer would hold it for the whole grace period,
    /// then be cut without its final event. Ended here, every stream sends its final event and closes normally.
    /// </summary>
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await StopRunningAsync(cancellationToken);
    }

    /// <summary>Answers launched by calls that came in while the server was stopping end the same way.</summary>
    public Task StopAsync(CancellationToken cancellationToken) => StopRunningAsync(cancellationToken);

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _stopping.Dispose();

    private async Task StopRunningAsync(CancellationToken cancellationToken)
    {
        var running = _running.Values.ToList();
        foreach (var generation in running)
        {
            generation.Cancel(byUser: false);
        }

        await ((Task)Task.WhenAll(running.Select(r => r.Outcome))).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>Starts a job whose first events are already in the feed; the task ends when the answer is stored.</summary>
    public Task<GenerationOutcome> Launch(GenerationJob job)
    {
        var running = new RunningGeneration(job, timeProvider.GetTimestamp());
        _running[job.GenerationId] = running;
        if (_stopping.IsCancellationRequested)
        {
            // Too late to ask the model: the job stores the answer as incomplete at once, like the others.
            running.Cancel(byUser: false);
        }

        _ = Task.Run(() => RunAsync(running));
        return running.Outcome;
    }

    /// <summary>Asks whichever replica runs a generation to stop it, and waits until its answer is stored.</summary>
    public async Task CancelAsync(Guid conversationId, Guid generationId, CancellationToken cancellationToken)
    {
        if (_running.TryGetValue(generationId, out var local))
        {
            local.Cancel(byUser: true);
            await ((Task)local.Outcome).WaitAsync(s_cancelWait, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            return;
        }

        await locks.RequestCancelAsync(generationId);
        var deadline = timeProvider.GetUtcNow() + s_cancelWait;
        while (timeProvider.GetUtcNow() < deadline)
        {
            var running = await locks.GetRunningAsync(conversationId);
            if (running?.GenerationId != generationId)
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), timeProvider, cancellationToken);
        }
    }

    /// <summary>Stops the generation running in a conversation, if any (the conversation is being deleted).</summary>
    public async Task CancelRunningInAsync(Guid conversationId, CancellationToken cancellationToken)
    {
        if (await locks.GetRunningAsync(conversationId) is { } running)
        {
            await CancelAsync(conversationId, running.GenerationId, cancellationToken);
        }
    }

    private async Task RunAsync(RunningGeneration running)
    {
        var job = running.Job;
        var content = new StringBuilder();
        FinishReason? finish = null;
        ServiceException? failure = null;
        int? promptTokens = null, completionTokens = null;
        var countedPrompt = 0;
        var called = false;

        await using var scope = scopeFactory.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ChatDbContext>();
        try
        {
            var (context, contextTokens) = await BuildContextAsync(db, job, running.Token);
            countedPrompt = contextTokens;
            var chatOptions = new AiChatOptions
            {
                ModelId = job.Model.Id,
                Temperature = job.Temperature is { } temperature ? (float)temperature : null,
                MaxOutputTokens = job.MaxTokens,
            };

            called = true;
            await foreach (var update in clients.For(job.Model).GetStreamingResponseAsync(context, chatOptions, running.Token))
            {
                var text = update.Text;
                if (!string.IsNullOrEmpty(text))
                {
                    if (content.Length == 0)
                    {
                        metrics.FirstToken(job.Model.Id, timeProvider.GetElapsedTime(running.StartedAt));
                    }

                    content.Append(text);
                    await feed.AppendAsync(job.ConversationId, ChatEvents.Delta(job.GenerationId, text));
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
        catch (Exception) when (running.Token.IsCancellationRequested)
        {
            if (running.CancelledByUser)
            {
                finish = FinishReason.Cancelled;
            }
            else
            {
                LogStoppedByShutdown(logger, job.GenerationId);
                failure = new ServiceException(ErrorKind.Unavailable, "The service stopped while the answer was being generated.");
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
            failure = ModelErrors.ToServiceException(exception, job.Model.Id, logger);
        }

        if (failure is not null)
        {
            finish = FinishReason.Incomplete;
        }

        // The provider's count when it gave one; else ours, as long as the model was asked at all.
        if (promptTokens is null && completionTokens is null && called && (failure is null || content.Length > 0))
        {
            promptTokens = countedPrompt;
            completionTokens = tokens.Count(content.ToString());
        }

        var answer = job.Answer;
        answer.Content = content.ToString();
        answer.Status = MessageStatus.Finished;
        answer.FinishReason = finish;
        answer.PromptTokens = promptTokens;
        answer.CompletionTokens = completionTokens;
        // The tokens were spent whether or not storing the answer works.
        metrics.TokensUsed(job.Model.Id, promptTokens, completionTokens);

        try
        {
            await StoreAnswerAsync(db, job, answer);
            metrics.MessagesStored(MessageRole.Assistant);
            var final = failure is null
                ? ChatEvents.Completed(answer)
                : ChatEvents.Failed(answer, (Google.Rpc.Code)(int)ServiceErrors.ToStatusCode(failure.Kind), failure.Message);
            await feed.AppendAsync(job.ConversationId, final);
        }
        catch (Exception exception)
        {
            LogStoreFailed(logger, exception, job.GenerationId);
        }
        finally
        {
            await ReleaseAsync(job);
            // Every way out above has set a finish reason: the model's, cancelled, or incomplete.
            metrics.AnswerFinished(job.Model.Id, finish!.Value, timeProvider.GetElapsedTime(running.StartedAt));
            _running.TryRemove(job.GenerationId, out _);
            running.Complete(new GenerationOutcome(answer, failure));
            running.Dispose();
        }

        if (finish == FinishReason.Stop && options.Value.GenerateTitles)
        {
            await NameConversationAsync(db, job);
        }
    }

    private async Task<(List<ChatMessage> Messages, int Tokens)> BuildContextAsync(ChatDbContext db, GenerationJob job, CancellationToken cancellationToken)
    {
        var systemPrompt = await db.Conversations.Where(c => c.Id == job.ConversationId).Select(c => c.SystemPrompt).FirstOrDefaultAsync(cancellationToken);
        var window = (int)(job.Model.ContextWindow * ContextSafetyMargin);
        var used = TokenCounter.PerRequestOverhead + (systemPrompt is null ? 0 : tokens.CountMessage(systemPrompt));
        var budget = window - job.MaxTokens - used;

        var history = await db.Messages.AsNoTracking()
            .Where(m => m.ConversationId == job.ConversationId && m.Status == MessageStatus.Finished && m.Content != "" && m.Id != job.Answer.Id)
            .OrderByDescending(m => m.Position)
            .Take(MaxHistoryMessages)
            .Select(m => new { m.Role, m.Content })
            .ToListAsync(cancellationToken);

        // Newest first, until the window is full: the oldest messages are the ones left out.
        var picked = new List<ChatMessage>();
        foreach (var message in history)
        {
            var cost = tokens.CountMessage(message.Content);
            if (cost > budget)
            {
                break;
            }

            budget -= cost;
            used += cost;
            picked.Add(new ChatMessage(message.Role == MessageRole.Assistant ? ChatRole.Assistant : ChatRole.User, message.Content));
        }

        if (picked.Count == 0)
        {
            throw new ServiceException(ErrorKind.InvalidArgument,
                $"The conversation is too long for the model '{job.Model.Id}': its system prompt and the new message leave no room for an answer.",
                [new FieldViolation("message", "is too long for the model")]);
        }

        picked.Reverse();
        if (systemPrompt is not null)
        {
            picked.Insert(0, new ChatMessage(ChatRole.System, systemPrompt));
        }

        return (picked, used);
    }

    private async Task StoreAnswerAsync(ChatDbContext db, GenerationJob job, Message answer)
    {
        var now = timeProvider.GetUtcNowForStorage();
        var total = (answer.PromptTokens ?? 0) + (answer.CompletionTokens ?? 0);
        await db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None);
            // The conversation may have been deleted meanwhile: then no row changes, but the usage is still recorded.
            await db.Messages.Where(m => m.Id == answer.Id).ExecuteUpdateAsync(set => set
                .SetProperty(m => m.Content, answer.Content)
                .SetProperty(m => m.Status, answer.Status)
                .SetProperty(m => m.FinishReason, answer.FinishReason)
                .SetProperty(m => m.PromptTokens, answer.PromptTokens)
                .SetProperty(m => m.CompletionTokens, answer.CompletionTokens), CancellationToken.None);
            if (total > 0)
            {
                db.Usage.Add(new UsageRecord
                {
                    UserId = job.UserId,
                    ConversationId = job.ConversationId,
                    GenerationId = job.GenerationId,
                    Model = job.Model.Id,
                    PromptTokens = answer.PromptTokens ?? 0,
                    CompletionTokens = answer.CompletionTokens ?? 0,
                    Day = DateOnly.FromDateTime(now.UtcDateTime),
                    RecordedAt = now,
                });
                await db.SaveChangesAsync(CancellationToken.None);
            }

            await transaction.CommitAsync(CancellationToken.None);
        });
        try
        {
            await limiter.AddTokensAsync(job.UserId, total);
        }
        catch (Exception exception) when (DependencyFailure.Of(exception) is not null)
        {
            LogQuotaNotCounted(logger, exception, job.GenerationId);
        }
    }

    private async Task ReleaseAsync(GenerationJob job)
    {
        try
        {
            await locks.ReleaseAsync(job.ConversationId, job.GenerationId);
        }
        catch (Exception exception) when (DependencyFailure.Of(exception) is not null)
        {
            // The lock's own lifetime frees the conversation later.
            LogReleaseFailed(logger, exception, job.GenerationId);
        }
    }

    private async Task NameConversationAsync(ChatDbContext db, GenerationJob job)
    {
        try
        {
            var conversation = await db.Conversations.AsNoTracking()
                .Where(c => c.Id == job.ConversationId)
                .Select(c => new { c.Title, Answers = db.Messages.Count(m => m.ConversationId == c.Id && m.Role == MessageRole.Assistant) })
                .FirstOrDefaultAsync();
            if (conversation is not { Title: null, Answers: 1 })
            {
                return;
            }

            var firstMessage = await db.Messages.AsNoTracking()
                .Where(m => m.ConversationId == job.ConversationId && m.Role == MessageRole.User)
                .OrderBy(m => m.Position).Select(m => m.Content).FirstAsync();
            var prompt = firstMessage.Length > 2000 ? firstMessage[..2000] : firstMessage;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var response = await clients.For(job.Model).GetResponseAsync(
                [
                    new ChatMessage(ChatRole.System, "Write a title of at most six words for a conversation that begins with the user's message below. Answer with the title only, without quotes."),
                    new ChatMessage(ChatRole.User, prompt),
                ],
                new AiChatOptions { ModelId = job.Model.Id, MaxOutputTokens = 24, Temperature = 0.2f },
                timeout.Token);
            var title = CleanTitle(response.Text);
            if (title.Length > 0)
            {
                // Only if nobody named it meanwhile.
                await db.Conversations.Where(c => c.Id == job.ConversationId && c.Title == null)
                    .ExecuteUpdateAsync(set => set.SetProperty(c => c.Title, title));
            }
        }
        catch (Exception exception)
        {
            // A missing title is no failure of the answer.
            LogTitleFailed(logger, exception, job.ConversationId);
        }
    }

    /// <summary>The model's title as a title: one line, no quotes or control characters, at most 200 characters.</summary>
    public static string CleanTitle(string text)
    {
        var line = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
        var cleaned = new string(line.Where(c => !char.IsControl(c) && !char.IsSurrogate(c)).ToArray()).Trim().Trim('"', '\'', '“', '”', '*', '#').Trim();
        return cleaned.Length > Conversation.MaxTitleLength ? cleaned[..Conversation.MaxTitleLength].TrimEnd() : cleaned;
    }

    private static FinishReason ToFinishReason(ChatFinishReason reason) =>
        reason == ChatFinishReason.Length ? FinishReason.Length
        : reason == ChatFinishReason.ContentFilter ? FinishReason.ContentFilter
        : FinishReason.Stop;

    [LoggerMessage(Level = LogLevel.Information, Message = "Generation {GenerationId} stopped by the shutdown")]
    private static partial void LogStoppedByShutdown(ILogger logger, Guid generationId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Storing the answer of generation {GenerationId} failed")]
    private static partial void LogStoreFailed(ILogger logger, Exception exception, Guid generationId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The tokens of generation {GenerationId} could not be added to today's quota count")]
    private static partial void LogQuotaNotCounted(ILogger logger, Exception exception, Guid generationId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The conversation lock of generation {GenerationId} could not be released; it expires by itself")]
    private static partial void LogReleaseFailed(ILogger logger, Exception exception, Guid generationId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Naming conversation {ConversationId} failed")]
    private static partial void LogTitleFailed(ILogger logger, Exception exception, Guid conversationId);

    /// <summary>A job in this process, with what stops it.</summary>
    private sealed class RunningGeneration(GenerationJob job, long startedAt) : IDisposable
    {
        private readonly CancellationTokenSource _cancellation = new();
        private readonly TaskCompletionSource<GenerationOutcome> _outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private volatile bool _cancelledByUser;

        public GenerationJob Job { get; } = job;

        /// <summary>When the job started (a <see cref="TimeProvider"/> timestamp), for its durations.</summary>
        public long StartedAt { get; } = startedAt;

        public CancellationToken Token => _cancellation.Token;

        public bool CancelledByUser => _cancelledByUser;

        public Task<GenerationOutcome> Outcome => _outcome.Task;

        public void Cancel(bool byUser)
        {
            try
            {
                if (!_cancellation.IsCancellationRequested)
                {
                    _cancelledByUser = byUser;
                    _cancellation.Cancel();
                }
            }
            catch (ObjectDisposedException)
            {
                // It ended meanwhile: nothing left to stop.
            }
        }

        public void Dispose() => _cancellation.Dispose();

        public void Complete(GenerationOutcome outcome) => _outcome.TrySetResult(outcome);
    }
}
