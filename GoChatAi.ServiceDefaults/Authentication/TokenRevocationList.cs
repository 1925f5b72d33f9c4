using StackExchange.Redis;

namespace GoChatAi.ServiceDefaults.Authentication;

/// <summary>
/// Revoked access tokens, in Redis so that every replica of every resource server sees a revocation at once.
/// A token is revoked by its id (<c>jti</c>), by its session (<c>sid</c>), or with every token of its user issued
/// up to a moment. Entries live only as long as the tokens they revoke could.
/// </summary>
public sealed class TokenRevocationList(IConnectionMultiplexer redis, TimeProvider timeProvider)
{
    private const string Prefix = "auth:revoked:";

    public async Task<bool> IsRevokedAsync(string tokenId, string? sessionId, string userId, DateTimeOffset issuedAt)
    {
        var values = await redis.GetDatabase().StringGetAsync(
        [
            TokenKey(tokenId),
            SessionKey(sessionId ?? "-"),
            UserKey(userId),
        ]);

        return !values[0].IsNull
            || (sessionId is not null && !values[1].IsNull)
            || (values[2].TryParse(out long revokedUpTo) && issuedAt.ToUnixTimeSeconds() <= revokedUpTo);
    }

    /// <summary>Revokes one access token until it would have expired anyway.</summary>
    public Task RevokeTokenAsync(string tokenId, DateTimeOffset expiresAt) =>
        SetUntilAsync(TokenKey(tokenId), "1", expiresAt);

    /// <summary>Revokes every access token of a session.</summary>
    public Task RevokeSessionAsync(string sessionId, TimeSpan tokenLifetime) =>
        SetUntilAsync(SessionKey(sessionId), "1", timeProvider.GetUtcNow() + tokenLifetime);

    /// <summary>Revokes every access token of a user issued up to now.</summary>
    public Task RevokeUserAsync(string userId, TimeSpan tokenLifetime)
    {
        var now = timeProvider.GetUtcNow();
        return SetUntilAsync(UserKey(userId), now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), now + tokenLifetime);
    }

    private async Task SetUntilAsync(string key, string value, DateTimeOffset until)
    {
        // The clock skew a resource server tolerates keeps a token alive a little past its exp.
        var ttl = until - timeProvider.GetUtcNow() + TimeSpan.FromMinutes(1);
        if (ttl > TimeSpan.Zero)
        {
            await redis.GetDatabase().StringSetAsync(key, value, ttl);
        }
    }

    private static string TokenKey(string tokenId) => Prefix + "jti:" + tokenId;

    private static string SessionKey(string sessionId) => Prefix + "sid:" + sessionId;

    private static string UserKey(string userId) => Prefix + "sub:" + userId;
}
