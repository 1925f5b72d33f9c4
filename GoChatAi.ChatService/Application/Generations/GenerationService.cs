using System.Threading.Channels;
using GoChatAi.ChatService.Application.Commands;
using GoChatAi.ChatService.Domain;
using GoChatAi.ChatService.Application.Feeds;
using GoChatAi.ServiceDefaults;
using GoChatAi.ServiceDefaults.Errors;

namespace GoChatAi.ChatService.Application.Generations;

/// <summary>
/// A generation that has started: its stored messages, its events from the first (when the caller follows it),
/// and its end.
/// </summary>
public sealed record StartedGeneration(
    Guid ConversationId,
    Message UserMessage,
    Message Answer,
    ChannelReader<FeedEntry>? Events,
    Task<GenerationOutcome> Outcome);

/// <summary>Starting and stopping answers of the model, for the caller's own conversations.</summary>
public sealed class GenerationService(
    IConversationStore store,
    ConversationService conversations,
    ModelCatalog models,
    ITokenCounter tokens,
    IUsageLimiter limiter,
    IGenerationLeases leases,
    IConversationFeed feed,
    GenerationRunner runner,
    AbandonedGenerations abandoned,
    ChatMetrics metrics,
    TimeProvider timeProvider)
{
    /// <summary>
    /// Checks the request and the caller's limits, stores the user's message and the answer-to-be, and starts the
    /// job, whose first events announce both. The round trips that do not depend on each other go at once: the
    /// conversation with its recent history, the limits and the conversation's lease; then the model is asked while
    /// one database write stores both messages, and nothing of the answer is shown before that write is done.
    /// Nothing is written when the request is refused.
    /// </summary>
    public async Task<StartedGeneration> StartAsync(Guid userId, StartGenerationCommand request, bool follow, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNowForStorage();
        var conversationId = request.ConversationId ?? Guid.CreateVersion7(now);
        var generationId = Guid.CreateVersion7(now);
        var found = request.ConversationId is null ? Task.FromResult<ConversationContext?>(null) : FindAsync();
        var admitted = limiter.AdmitAnswerAsync(userId);
        var leased = leases.TryAcquireAsync(conversationId, generationId);
        try
        {
            await Task.WhenAll(found, admitted, leased);
            var existing = await found;
            var lease = await leased ?? throw new ServiceException(ErrorKind.FailedPrecondition,
                "An answer is already being generated in this conversation: wait for it to end or cancel it.");
            return await StartLeasedAsync(userId, request, existing, conversationId, lease, follow, now);
        }
        catch
        {
            if (leased.IsCompletedSuccessfully && leased.Result is { } held)
            {
                await leases.ReleaseAsync(held.ConversationId, held.GenerationId).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            throw;
        }

        // Another user's conversation is answered exactly like one that does not exist.
        async Task<ConversationContext?> FindAsync() =>
            await store.FindContextAsync(userId, conversationId, ModelContext.MaxHistoryMessages, cancellationToken)
                ?? throw ServiceException.NotFound("The conversation");
    }

    private async Task<StartedGeneration> StartLeasedAsync(
        Guid userId, StartGenerationCommand request, ConversationContext? existing, Guid conversationId, LeasedGeneration lease, bool follow, DateTimeOffset now)
    {
        // A conversation's model that the deployment no longer offers falls back to the default.
        var model = request.Model ?? models.Find(existing?.Model ?? models.Default.Id) ?? models.Default;
        if (request.MaxTokens > model.MaxOutputTokens)
        {
            throw ServiceException.InvalidArgument("max_tokens", $"must be at most {model.MaxOutputTokens} for the model '{model.Id}'");
        }

        var maxTokens = request.MaxTokens ?? model.MaxOutputTokens;
        var messageTokens = tokens.CountMessage(request.Message);
        var systemPrompt = existing?.SystemPrompt;
        var created = existing is null ? Conversation.Create(conversationId, userId, null, null, model.Id, now) : null;
        var user = Message.FromUser(conversationId, request.Message, messageTokens, lease.GenerationId, now);
        var answer = Message.AnswerToBe(conversationId, model.Id, lease.GenerationId, now);
        // The new message is the newest of the history the model reads.
        IReadOnlyList<ContextMessage> history = [new ContextMessage(MessageRole.User, user.Content, messageTokens), .. existing?.History ?? []];
        var job = new GenerationJob(userId, conversationId, answer, model, request.Temperature, maxTokens, systemPrompt, history, request.ApiKeyId);

        // A message with no room left for the answer is refused as the model is asked, before anything is written.
        // From here on the work is finished even if the caller goes away: a half-started generation helps nobody.
        var (generation, events) = await runner.LaunchAsync(job, lease, user, follow,
            () => store.StartGenerationAsync(created, user, answer, CancellationToken.None));
        metrics.MessagesStored(MessageRole.User);
        return new StartedGeneration(conversationId, user, answer, events, generation.Outcome);
    }

    /// <summary>Stops a running generation of the caller's, keeping its text; a finished one is returned as it is.</summary>
    public async Task<Message> CancelAsync(Guid userId, Guid id, CancellationToken cancellationToken)
    {
        var answer = await FindAnswerAsync(userId, id, cancellationToken);
        if (answer.Status == MessageStatus.Generating)
        {
            await runner.CancelAsync(answer.ConversationId, id, cancellationToken);
            answer = await FindAnswerAsync(userId, id, cancellationToken);
            if (answer.Status == MessageStatus.Generating && (await leases.GetRunningAsync(answer.ConversationId))?.GenerationId != id)
            {
                // Its replica died with it: it ends here, as cancelled, with the text its feed holds.
                await abandoned.FinishAsync(answer, FinishReason.Cancelled, cancellationToken);
                answer = await FindAnswerAsync(userId, id, cancellationToken);
            }
        }

        return answer;
    }

    private async Task<Message> FindAnswerAsync(Guid userId, Guid generationId, CancellationToken cancellationToken) =>
        await store.FindOwnedAnswerAsync(userId, generationId, cancellationToken) ?? throw ServiceException.NotFound("The generation");

    /// <summary>The feed position to follow a conversation from: a cursor's, else the running generation's start, else now.</summary>
    public async Task<long> ResolveFeedStartAsync(Guid userId, Guid conversationId, FeedCursor? after, CancellationToken cancellationToken)
    {
        var conversation = await conversations.FindOwnedAsync(userId, conversationId, tracking: false, cancellationToken);
        if (after is { } cursor)
        {
            return cursor.Sequence;
        }

        var last = leases.GetRunningAsync(conversation.Id);
        var sequence = await feed.LastSequenceAsync(conversation.Id);
        return await last is { SequenceBefore: { } before } ? Math.Min(before, sequence) : sequence;
    }
}
