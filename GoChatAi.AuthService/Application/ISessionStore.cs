using GoChatAi.AuthService.Domain;

namespace GoChatAi.AuthService.Application;

/// <summary>
/// Sessions (refresh token families) and their refresh tokens, found by a token's hash. What is added or changed is
/// stored by the next <see cref="IUnitOfWork.SaveChangesAsync"/>, except a token's first use, which is stored at once.
/// </summary>
public interface ISessionStore
{
    void Add(RefreshTokenFamily family);

    void Add(RefreshToken token);

    /// <summary>The refresh token with this hash, to be read only.</summary>
    Task<RefreshToken?> FindTokenAsync(byte[] tokenHash, CancellationToken cancellationToken);

    /// <summary>The session, to be changed.</summary>
    Task<RefreshTokenFamily?> FindAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>
    /// Marks the token used at <paramref name="now"/> unless it already is, stored at once: of concurrent calls for
    /// one token exactly one gets true.
    /// </summary>
    Task<bool> TryMarkUsedAsync(Guid tokenId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>When the token was first used, as stored.</summary>
    Task<DateTimeOffset?> FindFirstUseAsync(Guid tokenId, CancellationToken cancellationToken);

    /// <summary>The user's sessions that are not revoked, but for <paramref name="except"/>; to be changed.</summary>
    Task<IReadOnlyList<RefreshTokenFamily>> ListUnrevokedAsync(Guid userId, Guid? except, CancellationToken cancellationToken);

    /// <summary>
    /// The user's sessions that are not revoked and are <paramref name="sessionId"/> or hold the refresh token with
    /// <paramref name="tokenHash"/>; to be changed.
    /// </summary>
    Task<IReadOnlyList<RefreshTokenFamily>> ListUnrevokedAsync(Guid userId, Guid? sessionId, byte[]? tokenHash, CancellationToken cancellationToken);

    /// <summary>The session holding the refresh token with <paramref name="tokenHash"/>, if it is not revoked; to be changed.</summary>
    Task<RefreshTokenFamily?> FindUnrevokedByTokenAsync(byte[] tokenHash, CancellationToken cancellationToken);
}
