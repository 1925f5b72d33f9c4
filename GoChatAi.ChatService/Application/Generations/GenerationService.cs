using System.Threading.Channels;
using GoChatAi.ChatService.Application.Commands;
using GoChatAi.ChatService.Domain;
using GoChatAi.ChatService.Application.Feeds;
using GoChatAi.ServiceDefaults;
using GoChatAi.ServiceDefaults.Errors;

namespace GoChatAi.ChatService.Application.Generations;

/// <summary>
/// A generation that has started: its stored messages (no user's message when an answer is regenerated), its events
/// from the first (when the caller follows it), and its end.
/// </summary>
public sealed record StartedGeneration(
    Guid ConversationId,
    Message? UserMessage,
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
    /// <summary>How long a new answer waits for the previous one's last event to reach the feed, and how often it looks elsewhere.</summary>
    private static readonly TimeSpan s_lastEventWait = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan s_lastEventPoll = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Checks the request and the caller's limits, stores the user's message (none when an answer is regenerated) and
    /// the answer-to-be in their places in the conversation's tree, and starts the job, whose first events announce
    /// both. The round trips that do not depend on each other go at once: the conversation with the path its context
    /// is read from, the limits and the conversation's lease; then the model is asked while one database write stores
    /// the messages, and nothing of the answer is shown before that write is done. Nothing is written when the
    /// request is refused.
    /// </summary>
    public async Task<StartedGeneration> StartAsync(Guid userId, StartGenerationCommand request, bool follow, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNowForStorage();
        var target = request.Target;
        var conversationId = target.ConversationId ?? Guid.CreateVersion7(now);
        var generationId = Guid.CreateVersion7(now);
        var found = target.ConversationId is null ? Task.FromResult<ConversationContext?>(null) : FindAsync();
        var admitted = limiter.AdmitAnswerAsync(userId);
        var leased = leases.TryAcquireAsync(conversationId, generationId);
        try
        {
            await Task.WhenAll(found, admitted, leased);
            var existing = await found;
            var lease = await leased ?? await AcquireAfterLastAnswerAsync(conversationId, generationId, cancellationToken)
                ?? throw new ServiceException(ErrorKind.FailedPrecondition,
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
            await store.FindContextAsync(userId, conversationId, target.AnchorId, ModelContext.MaxHistoryMessages, cancellationToken)
                ?? throw ServiceException.NotFound("The conversation");
    }

    /// <summary>
    /// A conversation's lease is held until its answer's last event is written to the feed, and that event reaches
    /// the followers on its replica just before: a caller who asks again the moment it has the answer may find the
    /// lease still held. It is taken once that write is done; null when another answer is really being generated.
    /// </summary>
    private async Task<LeasedGeneration?> AcquireAfterLastAnswerAsync(Guid conversationId, Guid generationId, CancellationToken cancellationToken)
    {
        var deadline = timeProvider.GetUtcNow() + s_lastEventWait;
        Guid? storedHolder = null;
        while (await leases.GetRunningAsync(conversationId) is { } running && timeProvider.GetUtcNow() < deadline)
        {
            if (runner.Find(running.GenerationId) is { } local)
            {
                if (!local.IsFinishing)
                {
                    return null;
                }

                await ((Task)local.LastEventWritten).WaitAsync(s_lastEventWait, timeProvider, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            else
            {
                // Another replica's: its answer is stored before its last event goes out (looked up once per holder).
                if (storedHolder != running.GenerationId)
                {
                    if ((await store.FindAnswerAsync(running.GenerationId, cancellationToken))?.Status is null or MessageStatus.Generating)
                    {
                        return null;
                    }

                    storedHolder = running.GenerationId;
                }

                await Task.Delay(s_lastEventPoll, timeProvider, cancellationToken);
            }

            if (await leases.TryAcquireAsync(conversationId, generationId) is { } lease)
            {
                return lease;
            }
        }

        return await leases.TryAcquireAsync(conversationId, generationId);
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

        var (user, answerPlace, history, newestField) = Arrange(request.Target, existing, conversationId, lease.GenerationId, now);
        var created = existing is null ? Conversation.Create(conversationId, userId, null, null, model.Id, now) : null;
        var answer = Message.AnswerToBe(conversationId, model.Id, lease.GenerationId, now);
        answer.Place(answerPlace);
        var job = new GenerationJob(userId, conversationId, answer, model, request.Temperature, request.MaxTokens ?? model.MaxOutputTokens,
            existing?.SystemPrompt, history, request.ApiKeyId, newestField);

        // A message with no room left for the answer is refused as the model is asked, before anything is written.
        // From here on the work is finished even if the caller goes away: a half-started generation helps nobody.
        var (generation, events) = await runner.LaunchAsync(job, lease, user, follow,
            () => store.StartGenerationAsync(userId, created, user, answer, CancellationToken.None));
        if (user is not null)
        {
            metrics.MessagesStored(MessageRole.User);
        }

        return new StartedGeneration(conversationId, user, answer, events, generation.Outcome);
    }

    /// <summary>
    /// Where the target's messages go: the user's message to store (none for a new answer) in its place, the answer's
    /// place, the history the model reads (newest first: the new message, then the path before it) and the request's
    /// field that holds the newest of it.
    /// </summary>
    private (Message? User, MessagePlace AnswerPlace, IReadOnlyList<ContextMessage> History, string NewestField) Arrange(
        GenerationTarget target, ConversationContext? existing, Guid conversationId, Guid generationId, DateTimeOffset now)
    {
        var before = existing?.History ?? [];
        switch (target)
        {
            case GenerationTarget.NewMessage asked:
            {
                var parent = existing?.Anchor;
                if (asked.ParentId is not null && parent is null)
                {
                    throw ServiceException.InvalidArgument("parent_message_id", "is not a message of this conversation");
                }

                var user = UserMessage(asked.Text, parent?.Next ?? MessagePlace.First);
                List<ContextMessage> history = [Context(user)];
                if (parent?.AsContext is { } last)
                {
                    history.Add(last);
                }

                return (user, user.Next, [.. history, .. before], "message");
            }

            case GenerationTarget.EditedMessage edit:
            {
                var edited = existing?.Anchor ?? throw ServiceException.NotFound("The message");
                if (edited.Role != MessageRole.User)
                {
                    throw ServiceException.InvalidArgument("message_id", "is an answer: only a user's message can be edited (regenerate an answer instead)");
                }

                var user = UserMessage(edit.Text, edited.Place);
                return (user, user.Next, [Context(user), .. before], "content");
            }

            case GenerationTarget.NewAnswer:
            {
                var anchor = existing?.Anchor ?? throw ServiceException.NotFound("The message");
                if (anchor.Role == MessageRole.User)
                {
                    return (null, anchor.Next, [anchor.AsContext!, .. before], "message_id");
                }

                if (anchor.Status == MessageStatus.Generating)
                {
                    throw new ServiceException(ErrorKind.FailedPrecondition, "The answer is still being generated: wait for it to end or cancel it.");
                }

                if (anchor.Place.ParentId is null)
                {
                    throw ServiceException.InvalidArgument("message_id", "is a first message: there is nothing it answers");
                }

                return (null, anchor.Place, before, "message_id");
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(target), target.GetType().Name, "Not a target a generation knows.");
        }

        Message UserMessage(string text, MessagePlace place)
        {
            var message = Message.FromUser(conversationId, text, tokens.CountMessage(text), generationId, now);
            message.Place(place);
            return message;
        }

        static ContextMessage Context(Message message) => new(message.Role, message.Content, message.TokenCount);
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
