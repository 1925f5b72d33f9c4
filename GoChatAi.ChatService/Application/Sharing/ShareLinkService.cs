using GoChatAi.ChatService.Application.Commands;
using GoChatAi.ChatService.Domain;
using GoChatAi.ServiceDefaults;
using GoChatAi.ServiceDefaults.Errors;

namespace GoChatAi.ChatService.Application.Sharing;

/// <summary>A message as anyone with a link reads it: what was said, by whom, when; nothing that names the owner or the conversation.</summary>
public sealed record SharedMessage(MessageRole Role, string Content, string? Model, DateTimeOffset CreatedAt);

/// <summary>A shared conversation as a link shows it: the title when it was shared and the path to its message.</summary>
public sealed record SharedConversation(string? Title, IReadOnlyList<SharedMessage> Messages, DateTimeOffset SharedAt, DateTimeOffset? ExpiresAt);

/// <summary>
/// Share links: a read-only snapshot of a conversation up to one of its messages, for anyone who has the link. A
/// snapshot needs no copy of the messages: messages are never changed in place (edits and regenerations add
/// siblings), so the path from the first message to the link's never changes, and the title is copied into the link.
/// Reading a link is one lookup and one path read; a link that is revoked (deleted), expired or whose conversation is
/// gone (the rows cascade) answers NOT_FOUND alike. Share ids are never logged: they are the credential.
/// </summary>
public sealed class ShareLinkService(IShareLinkStore links, IConversationStore conversations, IUsageLimiter limiter, TimeProvider timeProvider)
{
    /// <summary>
    /// The longest path a link shares. A link is refused a longer one rather than showing part of it, so that a read is
    /// one bounded query and one response of a size any client takes.
    /// </summary>
    public const int MaxMessages = 1_000;

    /// <summary>The most links ListShareLinks returns (the newest): far more than anyone keeps open by hand.</summary>
    public const int MaxListed = 1_000;

    public async Task<ShareLink> CreateAsync(Guid userId, CreateShareLinkCommand command, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNowForStorage();
        if (!ShareLink.CanExpireAt(command.ExpiresAt, now))
        {
            throw ServiceException.InvalidArgument("expires_at", "must be in the future");
        }

        await limiter.CountRequestAsync(userId);

        var conversation = await conversations.FindOwnedAsync(userId, command.ConversationId, tracking: false, cancellationToken)
            ?? throw ServiceException.NotFound("The conversation");
        // The leaf only (newest first, one message): whether it is the conversation's, final, and how long its path is.
        var path = await conversations.ReadPathAsync(
            userId, conversation.Id, new PathRange(command.MessageId, NewestFirst: true, AfterDepth: null, Offset: 0, Count: 1), cancellationToken)
            ?? throw ServiceException.NotFound("The conversation");
        if (path is not { LeafId: { } messageId, Messages: [var leaf, ..] })
        {
            throw command.MessageId is null
                ? new ServiceException(ErrorKind.FailedPrecondition, "The conversation has no message yet: there is nothing to share.")
                : ServiceException.NotFound("The message");
        }

        if (leaf.Message.Status == MessageStatus.Generating)
        {
            throw new ServiceException(ErrorKind.FailedPrecondition, "The answer is still being generated: share it once it has ended.");
        }

        if (path.PathLength > MaxMessages)
        {
            throw new ServiceException(ErrorKind.FailedPrecondition,
                $"The path to the message has {path.PathLength} messages; a share link shows at most {MaxMessages}.");
        }

        var link = ShareLink.Create(conversation.Id, userId, messageId, conversation.Title, now, command.ExpiresAt);
        // The conversation may have been deleted since it was read: its links would be gone with it.
        return await links.AddAsync(link, cancellationToken) ? link : throw ServiceException.NotFound("The conversation");
    }

    public Task<IReadOnlyList<ShareLink>> ListAsync(Guid userId, Guid? conversationId, CancellationToken cancellationToken) =>
        links.ListOpenAsync(userId, conversationId, timeProvider.GetUtcNow(), MaxListed, cancellationToken);

    /// <summary>Ends a link at once. An expired link of the user's is deleted too, but answered as none: it was not open.</summary>
    public async Task RevokeAsync(Guid userId, string shareId, CancellationToken cancellationToken)
    {
        var revoked = await links.DeleteAsync(userId, shareId, cancellationToken);
        if (revoked is null || !revoked.IsOpenAt(timeProvider.GetUtcNow()))
        {
            throw ServiceException.NotFound("The share link");
        }
    }

    /// <summary>What anyone with the link reads; unknown, revoked, expired and deleted all answer the same NOT_FOUND.</summary>
    public async Task<SharedConversation> ReadAsync(string shareId, CancellationToken cancellationToken)
    {
        var link = await links.FindAsync(shareId, cancellationToken);
        if (link is null || !link.IsOpenAt(timeProvider.GetUtcNow()))
        {
            throw NotShared();
        }

        var path = await conversations.ReadPathAsync(
            link.UserId, link.ConversationId, new PathRange(link.MessageId, NewestFirst: false, AfterDepth: null, Offset: 0, Count: MaxMessages), cancellationToken);
        // The conversation may have been deleted since the link was read.
        if (path is null || path.LeafId != link.MessageId)
        {
            throw NotShared();
        }

        return new SharedConversation(
            link.Title,
            [.. path.Messages.Select(m => new SharedMessage(m.Message.Role, m.Message.Content, m.Message.Model, m.Message.CreatedAt))],
            link.CreatedAt,
            link.ExpiresAt);
    }

    private static ServiceException NotShared() => ServiceException.NotFound("The shared conversation");
}
