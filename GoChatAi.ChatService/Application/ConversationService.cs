using GoChatAi.ChatService.Application.Commands;
using GoChatAi.ChatService.Application.Generations;
using GoChatAi.ChatService.Application.Feeds;
using GoChatAi.ChatService.Domain;
using GoChatAi.ServiceDefaults;
using GoChatAi.ServiceDefaults.Errors;

namespace GoChatAi.ChatService.Application;

/// <summary>A page of messages and where the next one starts.</summary>
public sealed record HistoryPage(IReadOnlyList<Message> Messages, int TotalCount, string NextPageToken);

/// <summary>Conversations and their messages, always those of the caller: another user's answer NOT_FOUND.</summary>
public sealed partial class ConversationService(
    IConversationStore store,
    ModelCatalog models,
    ITokenCounter tokens,
    IUsageLimiter limiter,
    IConversationFeed feed,
    GenerationRunner generations,
    ChatMetrics metrics,
    TimeProvider timeProvider,
    ILogger<ConversationService> logger)
{
    public async Task<Conversation> CreateAsync(Guid userId, CreateConversationCommand command, CancellationToken cancellationToken)
    {
        await limiter.CountRequestAsync(userId);

        var now = timeProvider.GetUtcNowForStorage();
        var conversation = Conversation.Create(Guid.CreateVersion7(now), userId, command.Title?.Trim(), command.SystemPrompt, command.Model ?? models.Default.Id, now);
        store.Add(conversation);
        await store.SaveChangesAsync(cancellationToken);
        return conversation;
    }

    public Task<(IReadOnlyList<Conversation> Page, int Total)> ListAsync(Guid userId, ConversationListQuery query, CancellationToken cancellationToken) =>
        store.ListAsync(userId, query.Limit, query.Offset, cancellationToken);

    public Task<Conversation> GetAsync(Guid userId, Guid conversationId, CancellationToken cancellationToken) =>
        FindOwnedAsync(userId, conversationId, tracking: false, cancellationToken);

    public async Task<Conversation> UpdateAsync(Guid userId, UpdateConversationCommand command, CancellationToken cancellationToken)
    {
        var conversation = await FindOwnedAsync(userId, command.ConversationId, tracking: true, cancellationToken);
        conversation.Change(command.Title?.Trim(), command.SystemPrompt, command.Model, timeProvider.GetUtcNowForStorage());
        await store.SaveChangesAsync(cancellationToken);
        return conversation;
    }

    public async Task DeleteAsync(Guid userId, Guid conversationId, CancellationToken cancellationToken)
    {
        var conversation = await FindOwnedAsync(userId, conversationId, tracking: false, cancellationToken);

        // Its answer in flight stops first, so that nothing writes into a conversation that is gone.
        await generations.CancelRunningInAsync(conversation.Id, cancellationToken);
        await store.DeleteAsync(conversation.Id, cancellationToken);
        await feed.DeleteAsync(conversation.Id);
    }

    public async Task<Message> SendMessageAsync(Guid userId, SendMessageCommand command, CancellationToken cancellationToken)
    {
        await limiter.CountRequestAsync(userId);

        // One round trip: the ownership check is part of the write.
        var message = Message.FromUser(command.ConversationId, command.Content, tokens.CountMessage(command.Content), generationId: null, timeProvider.GetUtcNowForStorage());
        if (!await store.AddMessageAsync(userId, message, cancellationToken))
        {
            throw ServiceException.NotFound("The conversation");
        }

        metrics.MessagesStored(MessageRole.User);
        try
        {
            await feed.AppendAsync(message.ConversationId, new MessageStored(MessageSnapshot.Of(message)));
        }
        catch (Exception exception) when (DependencyFailure.Of(exception) is not null)
        {
            // The message is stored, which is what the caller asked: live followers learn of it from the history.
            LogFeedAppendFailed(logger, exception, message.ConversationId);
        }

        return message;
    }

    public async Task<HistoryPage> GetHistoryAsync(Guid userId, HistoryQuery query, CancellationToken cancellationToken)
    {
        var take = query.Limit ?? 50;
        // The total is the count kept with every insert, so that a page costs the same however long the
        // conversation grows; one more row than asked says whether there is a next page.
        var stored = await store.ReadHistoryAsync(userId, query.ConversationId, query.AfterPosition, query.NewestFirst, query.Offset, take + 1, cancellationToken)
            ?? throw ServiceException.NotFound("The conversation");
        var page = stored.Messages.Take(take).ToList();
        var next = stored.Messages.Count > take ? new HistoryPageToken(query.ConversationId, query.NewestFirst, page[^1].Position).ToString() : "";
        return new HistoryPage(page, stored.TotalCount, next);
    }

    public async Task<Conversation> FindOwnedAsync(Guid userId, Guid conversationId, bool tracking, CancellationToken cancellationToken) =>
        // Another user's conversation is answered exactly like one that does not exist.
        await store.FindOwnedAsync(userId, conversationId, tracking, cancellationToken)
            ?? throw ServiceException.NotFound("The conversation");

    [LoggerMessage(Level = LogLevel.Warning, Message = "A message of conversation {ConversationId} is stored but could not be announced in its feed")]
    private static partial void LogFeedAppendFailed(ILogger logger, Exception exception, Guid conversationId);
}
