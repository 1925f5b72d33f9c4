using System.Runtime.CompilerServices;
using GoChatAi.ChatService.Domain;
using GoChatAi.ServiceDefaults;
using GoChatAi.ServiceDefaults.Errors;
using Microsoft.Extensions.AI;
using AiChatOptions = Microsoft.Extensions.AI.ChatOptions;

namespace GoChatAi.ChatService.Application.Completions;

/// <summary>Who asks for a completion: the user, and the personal API key it acts with, if any.</summary>
public sealed record CompletionCaller(Guid UserId, Guid? ApiKeyId);

/// <summary>
/// A completion as OpenAI's API asks for one: the whole conversation is given by the caller, and nothing of it is read
/// or stored here. <paramref name="Id"/> names it in the answer and in the usage ledger.
/// </summary>
public sealed record CompletionRequest(Guid Id, ChatModel Model, IReadOnlyList<ChatMessage> Messages, AiChatOptions Options);

/// <summary>What a completion used, by the provider's count when it gave one, else ours.</summary>
public sealed record CompletionUsage(int PromptTokens, int CompletionTokens)
{
    public int TotalTokens => PromptTokens + CompletionTokens;
}

/// <summary>
/// Stateless completions for the OpenAI-compatible API, through the same pipeline as conversations: the caller's
/// limits, the model catalog and client (retries, circuit breaker, error mapping), metrics, and the usage ledger
/// (with the API key that spent it). A caller that goes away stops the model's request: the API has no resume.
/// </summary>
public sealed partial class CompletionService(
    IModelClientProvider clients,
    IUsageLimiter limiter,
    IUsageLedger ledger,
    ITokenCounter tokens,
    ChatMetrics metrics,
    TimeProvider timeProvider,
    ILogger<CompletionService> logger)
{
    /// <summary>
    /// Admits the request under the caller's limits (RESOURCE_EXHAUSTED past one) and says what is left; refuses a
    /// prompt that leaves the answer no room in the model's context window.
    /// </summary>
    public async Task<UsageAllowance?> AdmitAsync(CompletionCaller caller, CompletionRequest request)
    {
        var room = request.Model.ContextWindow - (request.Options.MaxOutputTokens ?? 1);
        var prompt = CountPrompt(request.Messages);
        if (prompt > room)
        {
            throw new ServiceException(ErrorKind.InvalidArgument,
                $"This model's maximum context length is {request.Model.ContextWindow} tokens. However, your messages resulted in about {prompt} tokens" +
                (request.Options.MaxOutputTokens is { } max ? $" and {max} were asked for the completion" : "") + ". Please reduce the length of the messages.",
                [new FieldViolation("messages", "too long for the model's context window")])
            {
                Reason = ErrorReasons.ContextLengthExceeded,
            };
        }

        return await limiter.AdmitAnswerAsync(caller.UserId);
    }

    /// <summary>The model's whole answer, with what it used, recorded in the ledger.</summary>
    public async Task<(ChatResponse Response, CompletionUsage Usage)> CompleteAsync(CompletionCaller caller, CompletionRequest request, CancellationToken cancellationToken)
    {
        var started = timeProvider.GetTimestamp();
        ChatResponse response;
        try
        {
            response = await clients.ClientFor(request.Model).GetResponseAsync(request.Messages, request.Options, cancellationToken);
        }
        catch (Exception exception) when (exception is not ServiceException && !cancellationToken.IsCancellationRequested)
        {
            throw clients.ToServiceException(exception, request.Model.Id, logger);
        }

        var usage = UsageOf(response.Usage, request.Messages, response.Text);
        metrics.FirstToken(request.Model.Id, timeProvider.GetElapsedTime(started));
        await RecordAsync(caller, request, usage);
        return (response, usage);
    }

    /// <summary>
    /// The model's answer as it comes. What it used is recorded when the stream ends, also when the caller went away
    /// in the middle (what the model wrote until then was spent); <paramref name="usage"/> gets it before the end.
    /// </summary>
    public async IAsyncEnumerable<ChatResponseUpdate> StreamAsync(
        CompletionCaller caller, CompletionRequest request, Action<CompletionUsage> usage, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var started = timeProvider.GetTimestamp();
        var written = new System.Text.StringBuilder();
        UsageDetails? reported = null;
        var updates = clients.ClientFor(request.Model).GetStreamingResponseAsync(request.Messages, request.Options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                try
                {
                    if (!await updates.MoveNextAsync())
                    {
                        break;
                    }
                }
                catch (Exception exception) when (exception is not ServiceException && !cancellationToken.IsCancellationRequested)
                {
                    throw clients.ToServiceException(exception, request.Model.Id, logger);
                }

                var update = updates.Current;
                if (written.Length == 0 && !string.IsNullOrEmpty(update.Text))
                {
                    metrics.FirstToken(request.Model.Id, timeProvider.GetElapsedTime(started));
                }

                written.Append(update.Text);
                foreach (var content in update.Contents.OfType<UsageContent>())
                {
                    reported = content.Details;
                }

                if (update.FinishReason is not null)
                {
                    // The usage comes after the finish; the caller writes it at the end.
                    usage(UsageOf(reported, request.Messages, written.ToString()));
                }

                yield return update;
            }

            usage(UsageOf(reported, request.Messages, written.ToString()));
        }
        finally
        {
            await updates.DisposeAsync();
            await RecordAsync(caller, request, UsageOf(reported, request.Messages, written.ToString()));
        }
    }

    private int CountPrompt(IReadOnlyList<ChatMessage> messages) =>
        messages.Sum(m => tokens.CountMessage(m.Text)) + ITokenCounter.PerRequestOverhead;

    private CompletionUsage UsageOf(UsageDetails? reported, IReadOnlyList<ChatMessage> messages, string written) =>
        reported is { InputTokenCount: { } input, OutputTokenCount: { } output }
            ? new CompletionUsage((int)input, (int)output)
            : new CompletionUsage(CountPrompt(messages), tokens.Count(written));

    /// <summary>Counts the usage in the ledger and the day's quota; a failure to do so is logged, never the caller's.</summary>
    private async Task RecordAsync(CompletionCaller caller, CompletionRequest request, CompletionUsage usage)
    {
        metrics.TokensUsed(request.Model.Id, usage.PromptTokens, usage.CompletionTokens);
        if (usage.TotalTokens == 0)
        {
            return;
        }

        var now = timeProvider.GetUtcNowForStorage();
        try
        {
            await ledger.RecordAsync(new UsageRecord
            {
                UserId = caller.UserId,
                GenerationId = request.Id,
                ApiKeyId = caller.ApiKeyId,
                Model = request.Model.Id,
                PromptTokens = usage.PromptTokens,
                CompletionTokens = usage.CompletionTokens,
                Day = DateOnly.FromDateTime(now.UtcDateTime),
                RecordedAt = now,
            }, CancellationToken.None);
            await limiter.AddTokensAsync(caller.UserId, usage.TotalTokens);
        }
        catch (Exception exception) when (DependencyFailure.Of(exception) is not null)
        {
            LogUsageNotRecorded(logger, exception, request.Id);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The usage of completion {CompletionId} could not be recorded")]
    private static partial void LogUsageNotRecorded(ILogger logger, Exception exception, Guid completionId);
}
