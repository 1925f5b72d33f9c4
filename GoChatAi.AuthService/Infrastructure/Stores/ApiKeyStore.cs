using GoChatAi.AuthService.Application;
using GoChatAi.AuthService.Domain;
using Microsoft.EntityFrameworkCore;

namespace GoChatAi.AuthService.Infrastructure.Stores;

/// <summary>Personal API keys in PostgreSQL.</summary>
public sealed class ApiKeyStore(AuthDbContext db) : IApiKeyStore
{
    public void Add(ApiKey key) => db.ApiKeys.Add(key);

    public Task<ApiKey?> FindBySecretHashAsync(byte[] secretHash, CancellationToken cancellationToken) =>
        db.ApiKeys.AsNoTracking().SingleOrDefaultAsync(k => k.SecretHash == secretHash, cancellationToken);

    public Task<ApiKey?> FindUsableAsync(Guid userId, Guid keyId, DateTimeOffset now, CancellationToken cancellationToken) =>
        Usable(userId, now).SingleOrDefaultAsync(k => k.Id == keyId, cancellationToken);

    public async Task<IReadOnlyList<ApiKey>> ListUsableAsync(Guid userId, DateTimeOffset now, CancellationToken cancellationToken) =>
        await Usable(userId, now).AsNoTracking().OrderByDescending(k => k.CreatedAt).ThenByDescending(k => k.Id).ToListAsync(cancellationToken);

    public Task<int> CountUsableAsync(Guid userId, DateTimeOffset now, CancellationToken cancellationToken) =>
        Usable(userId, now).CountAsync(cancellationToken);

    public Task MarkUsedAsync(Guid keyId, DateTimeOffset now, CancellationToken cancellationToken) =>
        db.ApiKeys.Where(k => k.Id == keyId).ExecuteUpdateAsync(k => k.SetProperty(x => x.LastUsedAt, now), cancellationToken);

    // ApiKey.IsUsable, as a query.
    private IQueryable<ApiKey> Usable(Guid userId, DateTimeOffset now) =>
        db.ApiKeys.Where(k => k.UserId == userId && k.RevokedAt == null && k.ExpiresAt > now);
}
