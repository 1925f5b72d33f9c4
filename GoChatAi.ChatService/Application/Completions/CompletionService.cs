using System.Runtime.CompilerServices;
using GoChatAi.ChatService.Application.Generations;
using GoChatAi.ChatService.Domain;
using GoChatAi.ServiceDefaults;
using GoChatAi.ServiceDefaults.Errors;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using AiChatOptions = Microsoft.Extensions.AI.ChatOptions;

namespace GoChatAi.ChatService.Application.Completions;

/// <summary>Who asks for a completion: the user, and the personal API key it acts with, if any.</summary>
public sealed record CompletionCaller(Guid UserId, Guid? ApiKeyId);

/// <summary>
/// A completion as OpenAI's API asks for one: the whole conversation is given by the caller, and nothing of it is
/// read here. <paramref name="Id"/> names it in the answer and in the usage ledger. With <paramref name="Store"/> the
/// exchange is kept as a new conversation of the caller's (its text: tool calls and their results are not kept).
/// </summary>
public sealed record CompletionRequest(Guid Id, ChatModel Model, IReadOnlyList<ChatMessage> Messages, AiChatOptions Options, bool Store = false);

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
    IConversationStore conversations,
    ConversationTitles titles,
    IOptions<ChatOptions> options,
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
        ChatResponse response;
        try
        {
            response = await clients.ClientFor(request.Model).GetResponseAsync(request.Messages, request.Options, cancellationToken);
        }
        catch (Exception exception) when (exception is not ServiceException && !cancellationToken.IsCancellationRequested)
        {
            throw clients.ToServiceException(exception, request.Model.Id, logger);
        }

        // No first-token time: a unary answer has none of its own.
        var usage = UsageOf(response.Usage, request.Messages, response.Text);
        await RecordAsync(caller, request, usage, await StoreAsync(caller, request, response.Text, usage));
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
        var finished = false;
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
                    finished = true;
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
            var spent = UsageOf(reported, request.Messages, written.ToString());
            // Only a whole answer is kept: a caller that went away, or a stream that broke, leaves no conversation.
            await RecordAsync(caller, request, spent, finished ? await StoreAsync(caller, request, written.ToString(), spent) : null);
        }
    }

    private int CountPrompt(IReadOnlyList<ChatMessage> messages) =>
        messages.Sum(m => tokens.CountMessage(m.Text)) + ITokenCounter.PerRequestOverhead;

    private CompletionUsage UsageOf(UsageDetails? reported, IReadOnlyList<ChatMessage> messages, string written) =>
        reported is { InputTokenCount: { } input, OutputTokenCount: { } output }
            ? new CompletionUsage((int)input, (int)output)
            : new CompletionUsage(CountPrompt(messages), tokens.Count(written));

    /// <summary>
    /// With <see cref="CompletionRequest.Store"/>, keeps the exchange as a new conversation: its system and developer
    /// messages as the system prompt, the text of the user's and the model's turns, and the answer, then names it as
    /// any other. Null when not asked, or when the database failed (logged: the caller has its answer).
    /// </summary>
    private async Task<Guid?> StoreAsync(CompletionCaller caller, CompletionRequest request, string answerText, CompletionUsage usage)
    {
        if (!request.Store)
        {
            return null;
        }

        var now = timeProvider.GetUtcNowForStorage();
        var instructions = string.Join("\n\n", request.Messages.Where(m => m.Role == ChatRole.System || m.Role.Value == "developer").Select(m => m.Text));
        var conversation = Conversation.Create(Guid.CreateVersion7(now), caller.UserId, null,
            instructions.Length == 0 ? null : instructions[..Math.Min(instructions.Length, Conversation.MaxSystemPromptLength)], request.Model.Id, now);
        var turns = request.Messages
            .Where(m => (m.Role == ChatRole.User || m.Role == ChatRole.Assistant) && m.Text.Length > 0)
            .Select(m => m.Role == ChatRole.User
                ? Message.FromUser(conversation.Id, m.Text, tokens.CountMessage(m.Text), null, now)
                : Message.FromAssistant(conversation.Id, m.Text, request.Model.Id, tokens.CountMessage(m.Text), now))
            .ToList();
        var answer = Message.AnswerToBe(conversation.Id, request.Model.Id, request.Id, now);
        List<Message> line = [.. turns, answer];
        // One line, each turn after the one before it.
        for (var i = 0; i < line.Count; i++)
        {
            line[i].Place(i == 0 ? MessagePlace.First : line[i - 1].Next);
        }

        try
        {
            await conversations.AddConversationAsync(conversation, line, CancellationToken.None);
            answer.Finish(answerText, FinishReason.Stop, usage.PromptTokens, usage.CompletionTokens);
            await conversations.FinishAnswerAsync(answer, tokens.CountMessage(answerText), usage: null, CancellationToken.None);
        }
        catch (Exception exception) when (DependencyFailure.Of(exception) is not null)
        {
            LogNotStored(logger, exception, request.Id);
            return null;
        }

        metrics.MessagesStored(MessageRole.Assistant, turns.Count + 1);
        if (options.Value.GenerateTitles && turns.FirstOrDefault(m => m.Role == MessageRole.User) is { } first)
        {
            // In the background: the caller has its answer, and a title that fails is only logged.
            _ = Task.Run(() => titles.NameAsync(conversation.Id, request.Model, first.Content));
        }

        return conversation.Id;
    }

    /// <summary>Counts the usage in the ledger and the day's quota; a failure to do so is logged, never the caller's.</summary>
    private async Task RecordAsync(CompletionCaller caller, CompletionRequest request, CompletionUsage usage, Guid? conversationId)
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
                ConversationId = conversationId,
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

    [LoggerMessage(Level = LogLevel.Error, Message = "Completion {CompletionId} was asked to be stored and could not be")]
    private static partial void LogNotStored(ILogger logger, Exception exception, Guid completionId);

    [LoggerMessage(Level = LogLevel.Error, Message = "The usage of completion {CompletionId} could not be recorded")]
    private static partial void LogUsageNotRecorded(ILogger logger, Exception exception, Guid completionId);
}
