using System.Globalization;
using GoChatAi.ServiceDefaults.Errors;
using StackExchange.Redis;

namespace GoChatAi.ServiceDefaults.Authentication;

/// <summary>
/// Revoked access tokens, in Redis so that every replica of every resource server sees a revocation at once.
/// A token is revoked by its id (<c>jti</c>), by its session (<c>sid</c>), or with every token of its user issued
/// up to a moment. Entries live only as long as the tokens they revoke could.
/// </summary>
/// <remarks>
/// Redis is a cache of the list, not its source: the AuthService keeps every entry in its database and rebuilds
/// the list when Redis comes back empty (a restart). The epoch key, written last by a rebuild and never expiring,
/// says the list is whole; without it no token can be told apart from a revoked one, and every check fails with
/// <see cref="DependencyUnavailableException"/> (UNAVAILABLE, not UNAUTHENTICATED).
/// </remarks>
public sealed class TokenRevocationList(IConnectionMultiplexer redis, TimeProvider timeProvider)
{
    private const string Prefix = "auth:revoked:";
    private const string EpochKey = Prefix + "epoch";

    /// <summary>How long a rebuild may take before its marker is gone and its epoch refused (it then starts again).</summary>
    private static readonly TimeSpan s_rebuildMarkerLifetime = TimeSpan.FromMinutes(10);

    // The epoch is written only if the rebuild's marker is still there: a Redis that restarted during the rebuild
    // lost the marker with the entries written before it, and must not be declared whole.
    private const string CompleteRebuildScript = """
        if redis.call('EXISTS', KEYS[1]) == 1 then
          redis.call('SET', KEYS[2], ARGV[1])
          redis.call('DEL', KEYS[1])
          return 1
        end
        return 0
        """;

    public async Task<bool> IsRevokedAsync(string tokenId, string? sessionId, string userId, DateTimeOffset issuedAt)
    {
        // The epoch comes first: had MGET not been atomic (some Redis-compatible servers read key by key), an epoch
        // seen present was written after every entry of its rebuild, so the entries read after it are there too.
        var values = await redis.GetDatabase().StringGetAsync(
        [
            EpochKey,
            Prefix + RevocationEntry.TokenKey(tokenId),
            Prefix + RevocationEntry.SessionKey(sessionId ?? "-"),
            Prefix + RevocationEntry.UserKey(userId),
        ]);
        if (values[0].IsNull)
        {
            throw new DependencyUnavailableException(DependencyFailure.Cache, "The token revocation list is not built yet (Redis restarted empty).");
        }

        return !values[1].IsNull
            || (sessionId is not null && !values[2].IsNull)
            || (values[3].TryParse(out long revokedUpTo) && issuedAt.ToUnixTimeSeconds() <= revokedUpTo);
    }

    /// <summary>Writes entries to the list, each until it may be forgotten; writing one again changes nothing.</summary>
    public async Task ApplyAsync(IEnumerable<RevocationEntry> entries)
    {
        var database = redis.GetDatabase();
        var now = timeProvider.GetUtcNow();
        // StackExchange.Redis pipelines the writes; chunks bound what is in flight at once.
        foreach (var chunk in entries.Where(e => e.KeepUntil > now).Chunk(1000))
        {
            await Task.WhenAll(chunk.Select(e => database.StringSetAsync(Prefix + e.Key, e.Value, e.KeepUntil - now)));
        }
    }

    /// <summary>Whether the list is whole: false after Redis restarted empty, until a rebuild completes.</summary>
    public async Task<bool> IsBuiltAsync() => await redis.GetDatabase().KeyExistsAsync(EpochKey);

    /// <summary>Starts a rebuild: returns its id, for <see cref="CompleteRebuildAsync"/> once every entry is written.</summary>
    public async Task<string> BeginRebuildAsync()
    {
        var rebuildId = Guid.NewGuid().ToString("N");
        await redis.GetDatabase().StringSetAsync(RebuildMarkerKey(rebuildId), "1", s_rebuildMarkerLifetime);
        return rebuildId;
    }

    /// <summary>
    /// Declares the list whole by writing the epoch, unless Redis lost what was written since
    /// <see cref="BeginRebuildAsync"/> (it restarted meanwhile): then false, and the rebuild must start again.
    /// </summary>
    public async Task<bool> CompleteRebuildAsync(string rebuildId) =>
        (int)await redis.GetDatabase().ScriptEvaluateAsync(CompleteRebuildScript, [RebuildMarkerKey(rebuildId), EpochKey], [rebuildId]) == 1;

    private static string RebuildMarkerKey(string rebuildId) => Prefix + "rebuilding:" + rebuildId;
}

/// <summary>
/// One entry of the revocation list: its key (<c>jti:</c>, <c>sid:</c> or <c>sub:</c> and an id), its value, and
/// when it may be forgotten because no token it revokes can still be accepted.
/// </summary>
public sealed record RevocationEntry(string Key, string Value, DateTimeOffset KeepUntil)
{
    /// <summary>The clock skew a resource server tolerates keeps a token alive a little past its exp.</summary>
    public static readonly TimeSpan KeepPastExpiry = TimeSpan.FromMinutes(1);

    /// <summary>Revokes one access token until it would have expired anyway.</summary>
    public static RevocationEntry ForToken(string tokenId, DateTimeOffset expiresAt) =>
        new(TokenKey(tokenId), "1", expiresAt + KeepPastExpiry);

    /// <summary>Revokes every access token of a session (issued at most <paramref name="tokenLifetime"/> ago).</summary>
    public static RevocationEntry ForSession(string sessionId, DateTimeOffset now, TimeSpan tokenLifetime) =>
        new(SessionKey(sessionId), "1", now + tokenLifetime + KeepPastExpiry);

    /// <summary>Revokes every access token of a user issued up to <paramref name="now"/>.</summary>
    public static RevocationEntry ForUser(string userId, DateTimeOffset now, TimeSpan tokenLifetime) =>
        new(UserKey(userId), now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), now + tokenLifetime + KeepPastExpiry);

    internal static string TokenKey(string tokenId) => "jti:" + tokenId;

    internal static string SessionKey(string sessionId) => "sid:" + sessionId;

    internal static string UserKey(string userId) => "sub:" + userId;
}
