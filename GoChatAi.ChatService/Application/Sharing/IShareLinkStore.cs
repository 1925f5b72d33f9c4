using GoChatAi.ChatService.Domain;

namespace GoChatAi.ChatService.Application.Sharing;

/// <summary>Share links (the path they show is read through <see cref="IConversationStore"/>).</summary>
public interface IShareLinkStore
{
    /// <summary>Stores a new link; false (and nothing stored) when its conversation is gone.</summary>
    Task<bool> AddAsync(ShareLink link, CancellationToken cancellationToken);

    /// <summary>A link by its id, open or not; null when there is none.</summary>
    Task<ShareLink?> FindAsync(string shareId, CancellationToken cancellationToken);

    /// <summary>
    /// At most <paramref name="limit"/> of the user's links that are open at <paramref name="now"/>, newest first: all,
    /// or those of one conversation.
    /// </summary>
    Task<IReadOnlyList<ShareLink>> ListOpenAsync(Guid userId, Guid? conversationId, DateTimeOffset now, int limit, CancellationToken cancellationToken);

    /// <summary>Deletes one of the user's links, open or not, and returns it as it was; null when there is none of theirs.</summary>
    Task<ShareLink?> DeleteAsync(Guid userId, string shareId, CancellationToken cancellationToken);
}
