using GoChatAi.AuthService.Application;
using GoChatAi.AuthService.Domain;
using Microsoft.EntityFrameworkCore;

namespace GoChatAi.AuthService.Infrastructure.Stores;

/// <summary>Sessions (refresh token families) and refresh tokens in PostgreSQL.</summary>
public sealed class SessionStore(AuthDbContext db) : ISessionStore
{
    public void Add(RefreshTokenFamily family) => db.RefreshTokenFamilies.Add(family);

    public void Add(RefreshToken token) => db.RefreshTokens.Add(token);

    public Task<RefreshToken?> FindTokenAsync(byte[] tokenHash, CancellationToken cancellationToken) =>
        db.RefreshTokens.AsNoTracking().SingleOrDefaultAsync(t => t.TokenHash == tokenHash, cancellationToken);

    public Task<RefreshTokenFamily?> FindAsync(Guid id, CancellationToken cancellationToken) =>
        db.RefreshTokenFamilies.SingleOrDefaultAsync(f => f.Id == id, cancellationToken);

    // RefreshToken.Use's rule as one conditional UPDATE: concurrent refreshes on several replicas meet at the row.
    public async Task<bool> TryMarkUsedAsync(Guid tokenId, DateTimeOffset now, CancellationToken cancellationToken) =>
        await db.RefreshTokens
            .Where(t => t.Id == tokenId && t.UsedAt == null)
            .ExecuteUpdateAsync(t => t.SetProperty(x => x.UsedAt, now), cancellationToken) == 1;

    public Task<DateTimeOffset?> FindFirstUseAsync(Guid tokenId, CancellationToken cancellationToken) =>
        db.RefreshTokens.Where(t => t.Id == tokenId).Select(t => t.UsedAt).SingleAsync(cancellationToken);

    public async Task<IReadOnlyList<RefreshTokenFamily>> ListUnrevokedAsync(Guid userId, Guid? except, CancellationToken cancellationToken) =>
        await db.RefreshTokenFamilies
            .Where(f => f.UserId == userId && f.RevokedAt == null && f.Id != except)
            .ToListAsync(cancellationToken);

    public async Task<IReadOnlyList<RefreshTokenFamily>> ListUnrevokedAsync(Guid userId, Guid? sessionId, byte[]? tokenHash, CancellationToken cancellationToken) =>
        await db.RefreshTokenFamilies
            .Where(f => f.UserId == userId && f.RevokedAt == null &&
                (f.Id == sessionId || (tokenHash != null && db.RefreshTokens.Any(t => t.FamilyId == f.Id && t.TokenHash == tokenHash))))
            .ToListAsync(cancellationToken);

    public Task<RefreshTokenFamily?> FindUnrevokedByTokenAsync(byte[] tokenHash, CancellationToken cancellationToken) =>
        db.RefreshTokenFamilies
            .Where(f => f.RevokedAt == null && db.RefreshTokens.Any(t => t.FamilyId == f.Id && t.TokenHash == tokenHash))
            .SingleOrDefaultAsync(cancellationToken);
}
