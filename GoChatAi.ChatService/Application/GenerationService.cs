using GoChatAi.ChatService.Domain;
using GoChatAi.ChatService.Infrastructure;
using GoChatAi.ChatService.Infrastructure.Model;
using GoChatAi.ChatService.Infrastructure.Redis;
using GoChatAi.ServiceDefaults.Errors;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GoChatAi.ChatService.Application;

/// <summary>What the caller asks of the model (ChatWithAI, StreamChat, the SSE endpoint).</summary>
public sealed record GenerationRequest(string Message, string? ConversationId, string? Model, double? Temperature, int? MaxTokens);

/// <summary>A generation that has started: its stored messages, where its events start in the feed, and its end.</summary>
public sealed record StartedGeneration(
    Conversation Conversation,
    Message UserMessage,
    Message Answer,
    long FeedSequenceBefore,
    Task<GenerationOutcome> Outcome);

/// <summary>Starting and stopping answers of the model, for the caller's own conversations.</summary>
public sealed class GenerationService(
    ChatDbContext db,
    ConversationService conversations,
    ModelCatalog models,
    TokenCounter tokens,
    UsageLimiter limiter,
    ChatEventFeed feed,
    GenerationLocks locks,
    GenerationRunner runner,
    ChatMetrics metrics,
    IOptions<ChatOptions> options,
    TimeProvider timeProvider)
{
    /// <summary>
    /// Checks the request and the caller's limits, stores the user's message and the answer-to-be, announces both
    /// in the feed, and starts the job. Nothing is written when the request is refused.
    /// </summary>
    public async Task<StartedGeneration> StartAsync(Guid userId, GenerationRequest request, CancellationToken cancellationToken)
    {
        new RequestValidation()
            .Check("message", ChatValidation.MessageViolation(request.Message, options.Value.MaxMessageLength))
            .Check("conversation_id", request.ConversationId is null ? null : ChatValidation.IdViolation(request.ConversationId))
            .Check("model", request.Model is null ? null : ChatValidation.ModelViolation(request.Model, models))
            // NaN fails both comparisons, and so is refused too.
            .Check("temperature", request.Temperature is null or (>= 0 and <= 2) ? null : "must be from 0 to 2")
            .Check("max_tokens", request.MaxTokens is null or >= 1 ? null : "must be at least 1")
            .ThrowIfInvalid();

        var conversation = request.ConversationId is null
            ? null
            : await conversations.FindOwnedAsync(userId, ChatValidation.ParseId(request.ConversationId), tracking: false, cancellationToken);

        // A conversation's model that the deployment no longer offers falls back to the default.
        var model = models.Find(request.Model ?? conversation?.Model ?? models.Default.Id) ?? models.Default;
        if (request.MaxTokens > model.MaxOutputTokens)
        {
            throw ServiceException.InvalidArgument("max_tokens", $"must be at most {model.MaxOutputTokens} for the model '{model.Id}'");
        }

        var maxTokens = request.MaxTokens ?? model.MaxOutputTokens;
        var fixedTokens = TokenCounter.PerRequestOverhead + tokens.CountMessage(request.Message)
            + (conversation?.SystemPrompt is { } systemPrompt ? tokens.CountMessage(systemPrompt) : 0);
        if (fixedTokens + maxTokens > model.ContextWindow)
        {
            throw ServiceException.InvalidArgument("message",
                $"is too long for the model '{model.Id}': with the system prompt and room for the answer it needs {fixedTokens + maxTokens} tokens of its {model.ContextWindow}");
        }

        await limiter.CountRequestAsync(userId);
        await limiter.EnsureTokensLeftAsync(userId);

        var now = timeProvider.GetUtcNowForStorage();
        var isNew = conversation is null;
        conversation ??= ConversationService.NewConversation(userId, null, null, model.Id, now);
        var generationId = Guid.CreateVersion7(now);
        if (!await locks.TryAcquireAsync(conversation.Id, generationId))
        {
            throw new ServiceException(ErrorKind.FailedPrecondition,
                "An answer is already being generated in this conversation: wait for it to end or cancel it.");
        }

        // From here on the work is finished even if the caller goes away: a half-started generation helps nobody.
        Message user, answer;
        try
        {
            user = new Message
            {
                Id = Guid.CreateVersion7(now),
                ConversationId = conversation.Id,
                Role = MessageRole.User,
                Content = request.Message,
                Status = MessageStatus.Finished,
                GenerationId = generationId,
                CreatedAt = now,
            };
            answer = new Message
            {
                Id = Guid.CreateVersion7(now),
                ConversationId = conversation.Id,
                Role = MessageRole.Assistant,
                Content = "",
                Status = MessageStatus.Generating,
                Model = model.Id,
                GenerationId = generationId,
                CreatedAt = now,
            };
            if (isNew)
            {
                db.Conversations.Add(conversation);
            }

            await ConversationService.StoreMessagesAsync(db, conversation.Id, [user, answer], CancellationToken.None);
        }
        catch
        {
            await locks.ReleaseAsync(conversation.Id, generationId);
            throw;
        }

        // The answer counts as a stored message once it is final (GenerationRunner), not as the empty row it starts as.
        metrics.MessagesStored(MessageRole.User);
        var created = await feed.AppendAsync(conversation.Id, ChatEvents.MessageCreated(user));
        var started = await feed.AppendAsync(conversation.Id, ChatEvents.GenerationStarted(answer));
        await locks.SetReplayStartAsync(conversation.Id, generationId, started.Sequence - 1);

        var outcome = runner.Launch(new GenerationJob(userId, conversation.Id, generationId, answer, model, request.Temperature, maxTokens));
        return new StartedGeneration(conversation, user, answer, created.Sequence - 1, outcome);
    }

    /// <summary>Stops a running generation of the caller's, keeping its text; a finished one is returned as it is.</summary>
    public async Task<Message> CancelAsync(Guid userId, string generationId, CancellationToken cancellationToken)
    {
        new RequestValidation().Check("generation_id", ChatValidation.IdViolation(generationId)).ThrowIfInvalid();
        var id = ChatValidation.ParseId(generationId);
        var answer = await FindAnswerAsync(userId, id, cancellationToken);
        if (answer.Status == MessageStatus.Generating)
        {
            await runner.CancelAsync(answer.ConversationId, id, cancellationToken);
            answer = await FindAnswerAsync(userId, id, cancellationToken);
            if (answer.Status == MessageStatus.Generating && (await locks.GetRunningAsync(answer.ConversationId))?.GenerationId != id)
            {
                // Its replica died with it: nobody will finish it, so it ends here, as cancelled.
                await db.Messages.Where(m => m.Id == answer.Id && m.Status == MessageStatus.Generating).ExecuteUpdateAsync(set => set
                    .SetProperty(m => m.Status, MessageStatus.Finished)
                    .SetProperty(m => m.FinishReason, FinishReason.Cancelled), cancellationToken);
                answer = await FindAnswerAsync(userId, id, cancellationToken);
            }
        }

        return answer;
    }

    private async Task<Message> FindAnswerAsync(Guid userId, Guid generationId, CancellationToken cancellationToken) =>
        await db.Messages.AsNoTracking()
            .Where(m => m.GenerationId == generationId && m.Role == MessageRole.Assistant)
            .Where(m => db.Conversations.Any(c => c.Id == m.ConversationId && c.UserId == userId))
            .FirstOrDefaultAsync(cancellationToken)
        ?? throw ServiceException.NotFound("The generation");

    /// <summary>The feed position to follow a conversation from: a cursor's, else the running generation's start, else now.</summary>
    public async Task<long> ResolveFeedStartAsync(Guid userId, string conversationId, string? after, CancellationToken cancellationToken)
    {
        var check = new RequestValidation().Check("conversation_id", ChatValidation.IdViolation(conversationId));
        FeedCursor cursor = default;
        if (after is not null && check.IsValid
            && (!FeedCursor.TryParse(after, out cursor) || cursor.ConversationId != ChatValidation.ParseId(conversationId)))
        {
            check.Add("after", "is not a cursor of this conversation's feed");
        }

        check.ThrowIfInvalid();
        var conversation = await conversations.FindOwnedAsync(userId, ChatValidation.ParseId(conversationId), tracking: false, cancellationToken);
        if (after is not null)
        {
            return cursor.Sequence;
        }

        var last = await feed.LastSequenceAsync(conversation.Id);
        return await locks.GetRunningAsync(conversation.Id) is { SequenceBefore: { } before } ? Math.Min(before, last) : last;
    }
}
