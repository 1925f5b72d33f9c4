using GoChatAi.ChatService.Application.Commands;
using GoChatAi.ChatService.Application.Generations;
using GoChatAi.ChatService.Application.Feeds;
using GoChatAi.ChatService.Domain;
using GoChatAi.ServiceDefaults;
using GoChatAi.ServiceDefaults.Errors;

namespace GoChatAi.ChatService.Application;

/// <summary>A page of a path's messages, the path's length and leaf (null without messages), and where the next page starts.</summary>
public sealed record HistoryPage(IReadOnlyList<PathMessage> Messages, int TotalCount, string NextPageToken, Guid? LeafId);

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
        store.ListAsync(userId, query, cancellationToken);

    public Task<Conversation> GetAsync(Guid userId, Guid conversationId, CancellationToken cancellationToken) =>
        FindOwnedAsync(userId, conversationId, tracking: false, cancellationToken);

    public async Task<Conversation> UpdateAsync(Guid userId, UpdateConversationCommand command, CancellationToken cancellationToken)
    {
        var conversation = await FindOwnedAsync(userId, command.ConversationId, tracking: true, cancellationToken);
        conversation.Change(command.Title?.Trim(), command.SystemPrompt, command.Model, timeProvider.GetUtcNowForStorage(), command.Pinned, command.Archived);
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

        // One round trip: the ownership check and the choice of the parent are part of the write.
        var message = Message.FromUser(command.ConversationId, command.Content, tokens.CountMessage(command.Content), generationId: null, timeProvider.GetUtcNowForStorage());
        var place = await store.AddMessageAsync(userId, message, command.ParentId, cancellationToken);
        if (place is null)
        {
            // Refused: only now is it worth a look at which of the two was not there.
            if (command.ParentId is not null && await store.FindOwnedAsync(userId, command.ConversationId, tracking: false, cancellationToken) is not null)
            {
                throw ServiceException.InvalidArgument("parent_message_id", "is not a message of this conversation");
            }

            throw ServiceException.NotFound("The conversation");
        }

        message.Place(place.Value);

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
        // A page token stays on its first page's path; a message asked for names the path through it.
        var leaf = query.After?.LeafId;
        if (leaf is null && query.MessageId is { } through)
        {
            leaf = await store.FindLeafThroughAsync(userId, query.ConversationId, through, cancellationToken)
                ?? throw ServiceException.NotFound("The message");
        }

        // The total is the leaf's depth, so that a page costs the same however long the path grows; one more row
        // than asked says whether there is a next page.
        var range = new PathRange(leaf, query.NewestFirst, query.After?.Depth, query.Offset, take + 1);
        var stored = await store.ReadPathAsync(userId, query.ConversationId, range, cancellationToken)
            ?? throw ServiceException.NotFound("The conversation");
        var page = stored.Messages.Take(take).ToList();
        var next = stored.Messages.Count > take && stored.LeafId is { } pathLeaf
            ? new HistoryPageToken(query.ConversationId, query.NewestFirst, pathLeaf, page[^1].Depth).ToString()
            : "";
        return new HistoryPage(page, stored.PathLength, next, stored.LeafId);
    }

    /// <summary>Makes the branch of one of the conversation's messages the active one: the newest message under it becomes the active leaf.</summary>
    public async Task<Conversation> SwitchBranchAsync(Guid userId, Guid conversationId, Guid messageId, CancellationToken cancellationToken)
    {
        if (!await store.SwitchBranchAsync(userId, conversationId, messageId, cancellationToken))
        {
            throw ServiceException.NotFound("The message");
        }

        return await FindOwnedAsync(userId, conversationId, tracking: false, cancellationToken);
    }

    public async Task<Conversation> FindOwnedAsync(Guid userId, Guid conversationId, bool tracking, CancellationToken cancellationToken) =>
        // Another user's conversation is answered exactly like one that does not exist.
        await store.FindOwnedAsync(userId, conversationId, tracking, cancellationToken)
            ?? throw ServiceException.NotFound("The conversation");

    [LoggerMessage(Level = LogLevel.Warning, Message = "A message of conversation {ConversationId} is stored but could not be announced in its feed")]
    private static partial void LogFeedAppendFailed(ILogger logger, Exception exception, Guid conversationId);
}
