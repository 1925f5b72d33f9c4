using System.Buffers.Text;
using System.Globalization;
using System.Text;
using GoChatAi.ChatService.Application.Generations;
using GoChatAi.ChatService.Domain;
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
    IChatEventFeed feed,
    GenerationRunner generations,
    ChatMetrics metrics,
    Microsoft.Extensions.Options.IOptions<ChatOptions> options,
    TimeProvider timeProvider,
    ILogger<ConversationService> logger)
{
    public async Task<Conversation> CreateAsync(Guid userId, string? title, string? systemPrompt, string? model, CancellationToken cancellationToken)
    {
        new RequestValidation()
            .Check("title", title is null ? null : ChatValidation.TitleViolation(title))
            .Check("system_prompt", systemPrompt is null ? null : ChatValidation.SystemPromptViolation(systemPrompt))
            .Check("model", model is null ? null : ChatValidation.ModelViolation(model, models))
            .ThrowIfInvalid();
        await limiter.CountRequestAsync(userId);

        var now = timeProvider.GetUtcNowForStorage();
        var conversation = Conversation.Create(Guid.CreateVersion7(now), userId, title?.Trim(), systemPrompt, model ?? models.Default.Id, now);
        store.Add(conversation);
        await store.SaveChangesAsync(cancellationToken);
        return conversation;
    }

    public async Task<(IReadOnlyList<Conversation> Page, int Total)> ListAsync(Guid userId, int? limit, int offset, CancellationToken cancellationToken)
    {
        new RequestValidation()
            .Check("limit", ChatValidation.LimitViolation(limit))
            .Check("offset", ChatValidation.OffsetViolation(offset))
            .ThrowIfInvalid();

        return await store.ListAsync(userId, limit ?? 20, offset, cancellationToken);
    }

    public async Task<Conversation> GetAsync(Guid userId, string conversationId, CancellationToken cancellationToken)
    {
        new RequestValidation().Check("conversation_id", ChatValidation.IdViolation(conversationId)).ThrowIfInvalid();
        return await FindOwnedAsync(userId, ChatValidation.ParseId(conversationId), tracking: false, cancellationToken);
    }

    public async Task<Conversation> UpdateAsync(Guid userId, string conversationId, string? title, string? systemPrompt, string? model, CancellationToken cancellationToken)
    {
        new RequestValidation()
            .Check("conversation_id", ChatValidation.IdViolation(conversationId))
            .Check("title", title is null ? null : ChatValidation.TitleViolation(title))
            .Check("system_prompt", systemPrompt is null ? null : ChatValidation.SystemPromptViolation(systemPrompt))
            .Check("model", model is null ? null : ChatValidation.ModelViolation(model, models))
            .Require(title is not null || systemPrompt is not null || model is not null, "title", "at least one of title, system_prompt and model is required")
            .ThrowIfInvalid();

        var conversation = await FindOwnedAsync(userId, ChatValidation.ParseId(conversationId), tracking: true, cancellationToken);
        conversation.Change(title?.Trim(), systemPrompt, model, timeProvider.GetUtcNowForStorage());
        await store.SaveChangesAsync(cancellationToken);
        return conversation;
    }

    public async Task DeleteAsync(Guid userId, string conversationId, CancellationToken cancellationToken)
    {
        new RequestValidation().Check("conversation_id", ChatValidation.IdViolation(conversationId)).ThrowIfInvalid();
        var conversation = await FindOwnedAsync(userId, ChatValidation.ParseId(conversationId), tracking: false, cancellationToken);

        // Its answer in flight stops first, so that nothing writes into a conversation that is gone.
        await generations.CancelRunningInAsync(conversation.Id, cancellationToken);
        await store.DeleteAsync(conversation.Id, cancellationToken);
        await feed.DeleteAsync(conversation.Id);
    }

    public async Task<Message> SendMessageAsync(Guid userId, string conversationId, string content, CancellationToken cancellationToken)
    {
        new RequestValidation()
            .Check("conversation_id", ChatValidation.IdViolation(conversationId))
            .Check("content", ChatValidation.MessageViolation(content, options.Value.MaxMessageLength))
            .ThrowIfInvalid();
        await limiter.CountRequestAsync(userId);

        // One round trip: the ownership check is part of the write.
        var message = Message.FromUser(ChatValidation.ParseId(conversationId), content, tokens.CountMessage(content), generationId: null, timeProvider.GetUtcNowForStorage());
        if (!await store.AddMessageAsync(userId, message, cancellationToken))
        {
            throw ServiceException.NotFound("The conversation");
        }

        metrics.MessagesStored(MessageRole.User);
        try
        {
            await feed.AppendAsync(message.ConversationId, ChatEvents.MessageCreated(message));
        }
        catch (Exception exception) when (DependencyFailure.Of(exception) is not null)
        {
            // The message is stored, which is what the caller asked: live followers learn of it from the history.
            LogFeedAppendFailed(logger, exception, message.ConversationId);
        }

        return message;
    }

    public async Task<HistoryPage> GetHistoryAsync(Guid userId, string conversationId, int? limit, int offset, string pageToken, bool newestFirst, CancellationToken cancellationToken)
    {
        long? after = null;
        var check = new RequestValidation()
            .Check("conversation_id", ChatValidation.IdViolation(conversationId))
            .Check("limit", ChatValidation.LimitViolation(limit))
            .Check("offset", ChatValidation.OffsetViolation(offset));
        if (pageToken.Length > 0)
        {
            if (offset != 0)
            {
                check.Add("offset", "must be 0 when page_token is set");
            }

            if (!check.IsValid || !HistoryPageToken.TryParse(pageToken, out var token)
                || token.ConversationId != ChatValidation.ParseId(conversationId) || token.NewestFirst != newestFirst)
            {
                check.Add("page_token", "is not a page token of this conversation and order");
            }
            else
            {
                after = token.Position;
            }
        }

        check.ThrowIfInvalid();
        var conversation = await FindOwnedAsync(userId, ChatValidation.ParseId(conversationId), tracking: false, cancellationToken);

        var take = limit ?? 50;
        // The count kept with every insert, so that a page costs the same however long the conversation grows.
        var total = conversation.MessageCount;
        var rows = await store.ReadHistoryAsync(conversation.Id, after, newestFirst, offset, take + 1, cancellationToken);
        var page = rows.Take(take).ToList();
        var next = rows.Count > take ? new HistoryPageToken(conversation.Id, newestFirst, page[^1].Position).ToString() : "";
        return new HistoryPage(page, total, next);
    }

    public async Task<Conversation> FindOwnedAsync(Guid userId, Guid conversationId, bool tracking, CancellationToken cancellationToken) =>
        // Another user's conversation is answered exactly like one that does not exist.
        await store.FindOwnedAsync(userId, conversationId, tracking, cancellationToken)
            ?? throw ServiceException.NotFound("The conversation");

    [LoggerMessage(Level = LogLevel.Warning, Message = "A message of conversation {ConversationId} is stored but could not be announced in its feed")]
    private static partial void LogFeedAppendFailed(ILogger logger, Exception exception, Guid conversationId);
}

/// <summary>Where a history page ended: the conversation, the order and the last message's position (base64url).</summary>
public readonly record struct HistoryPageToken(Guid ConversationId, bool NewestFirst, long Position)
{
    public override string ToString() => Base64Url.EncodeToString(Encoding.ASCII.GetBytes(
        string.Create(CultureInfo.InvariantCulture, $"h1|{ConversationId:N}|{(NewestFirst ? 1 : 0)}|{Position}")));

    public static bool TryParse(string text, out HistoryPageToken token)
    {
        token = default;
        if (text.Length > 128 || !Base64Url.IsValid(text))
        {
            return false;
        }

        var parts = Encoding.ASCII.GetString(Base64Url.DecodeFromChars(text)).Split('|');
        if (parts.Length != 4 || parts[0] != "h1" || !Guid.TryParseExact(parts[1], "N", out var conversationId)
            || parts[2] is not ("0" or "1") || !long.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var position))
        {
            return false;
        }

        token = new HistoryPageToken(conversationId, parts[2] == "1", position);
        return true;
    }
}
