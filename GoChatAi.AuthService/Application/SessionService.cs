using System.Buffers.Text;
using System.Security.Cryptography;
using GoChatAi.AuthService.Domain;
using GoChatAi.ServiceDefaults;
using GoChatAi.ServiceDefaults.Errors;
using Microsoft.Extensions.Options;

namespace GoChatAi.AuthService.Application;

/// <summary>
/// Sessions and their tokens: starting one, rotating its refresh token (with replay detection, RFC 9700), ending
/// it, revoking tokens (RFC 7009) and introspecting them.
/// </summary>
public sealed class SessionService(
    IUserStore users,
    ISessionStore sessions,
    IUnitOfWork changes,
    IAccessTokenIssuer accessTokens,
    IRevocationRecorder revocations,
    ISecurityEventLog securityEvents,
    AuthMetrics metrics,
    IOptions<AuthOptions> options,
    TimeProvider timeProvider)
{
    public const int MaxAccessTokenLength = 8192;
    public const int MaxRefreshTokenLength = 512;
    private const string InvalidRefreshToken = "The refresh token is invalid, expired or revoked.";

    private AuthOptions Settings => options.Value;

    /// <summary>Starts a session for <paramref name="user"/> and saves every pending change with it.</summary>
    public async Task<TokenPair> StartAsync(User user, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNowForStorage();
        var family = RefreshTokenFamily.Start(user.Id, now, Settings.SessionAbsoluteLifetime);
        sessions.Add(family);
        var (refreshToken, refreshExpiresAt) = AddRefreshToken(family, now);
        await changes.SaveChangesAsync(cancellationToken);

        return new TokenPair(await accessTokens.IssueAsync(user, family.Id, cancellationToken), refreshToken, refreshExpiresAt);
    }

    /// <summary>
    /// Exchanges a refresh token for a new pair. Each token works once: of two concurrent uses exactly one wins, and
    /// a token used again later is a replay, which revokes its whole session.
    /// </summary>
    public async Task<TokenPair> RefreshAsync(string refreshToken, string? clientAddress, CancellationToken cancellationToken)
    {
        ValidateToken("refresh_token", refreshToken, MaxRefreshTokenLength);
        var hash = SecretHash.Of(refreshToken);
        var stored = await sessions.FindTokenAsync(hash, cancellationToken);
        var family = stored is null ? null : await sessions.FindAsync(stored.FamilyId, cancellationToken);
        var now = timeProvider.GetUtcNowForStorage();
        if (stored is null || family is null || !family.Accepts(stored, now))
        {
            throw ServiceException.Unauthenticated(InvalidRefreshToken);
        }

        // The store is the arbiter between concurrent refreshes: one token, one winner.
        if (!await sessions.TryMarkUsedAsync(stored.Id, now, cancellationToken))
        {
            var usedAt = await sessions.FindFirstUseAsync(stored.Id, cancellationToken);
            if (!RefreshTokenFamily.IsReplay(usedAt, now, Settings.RefreshRaceWindow))
            {
                // Two refreshes racing (two tabs): the loser gets nothing, and the session lives on.
                throw ServiceException.Unauthenticated(InvalidRefreshToken);
            }

            metrics.RefreshTokenReused();
            RevokeFamily(family, SecurityEventTypes.RefreshTokenReused);
            securityEvents.Add(SecurityEventTypes.RefreshTokenReused, family.UserId, clientAddress, $"session {family.Id}");
            await changes.SaveChangesAsync(cancellationToken);
            await revocations.PublishAsync();
            throw ServiceException.Unauthenticated(InvalidRefreshToken);
        }

        var user = await users.ReadAsync(family.UserId, cancellationToken)
            ?? throw ServiceException.Unauthenticated(InvalidRefreshToken);
        var (next, nextExpiresAt) = AddRefreshToken(family, now);
        await changes.SaveChangesAsync(cancellationToken);
        return new TokenPair(await accessTokens.IssueAsync(user, family.Id, cancellationToken), next, nextExpiresAt);
    }

    /// <summary>Ends the caller's session (or every session of the caller), revoking its access token at once.</summary>
    public async Task SignOutAsync(Caller caller, string? refreshToken, bool allSessions, string? clientAddress, CancellationToken cancellationToken)
    {
        revocations.RevokeToken(caller.TokenId, caller.TokenExpiresAt);

        var refreshHash = refreshToken is { Length: > 0 } ? SecretHash.Of(refreshToken) : null;
        var families = allSessions
            ? await sessions.ListUnrevokedAsync(caller.UserId, except: null, cancellationToken)
            : await sessions.ListUnrevokedAsync(caller.UserId, caller.SessionId, refreshHash, cancellationToken);
        // Every access token carries its session's id, so revoking the sessions revokes their tokens; a user-wide
        // cut-off would also refuse a token from a sign-in made in the same second, after this one.
        foreach (var family in families)
        {
            RevokeFamily(family, SecurityEventTypes.SignedOut);
        }

        securityEvents.Add(SecurityEventTypes.SignedOut, caller.UserId, clientAddress, allSessions ? "all sessions" : null);
        await changes.SaveChangesAsync(cancellationToken);
        await revocations.PublishAsync();
    }

    /// <summary>Revokes an access or refresh token (RFC 7009): an unknown or already revoked token is not an error.</summary>
    public async Task RevokeAsync(string token, bool hintRefreshToken, string? clientAddress, CancellationToken cancellationToken)
    {
        ValidateToken("token", token, MaxAccessTokenLength);
        if (!hintRefreshToken && await accessTokens.ReadSignedAsync(token, cancellationToken) is { } access)
        {
            await RevokeAccessTokenAsync(access, clientAddress, cancellationToken);
            return;
        }

        var hash = SecretHash.Of(token);
        var family = await sessions.FindUnrevokedByTokenAsync(hash, cancellationToken);
        if (family is not null)
        {
            RevokeFamily(family, SecurityEventTypes.TokenRevoked);
            securityEvents.Add(SecurityEventTypes.TokenRevoked, family.UserId, clientAddress, "refresh token");
            await changes.SaveChangesAsync(cancellationToken);
            await revocations.PublishAsync();
        }
        else if (hintRefreshToken && await accessTokens.ReadSignedAsync(token, cancellationToken) is { } hinted)
        {
            // The hint is only a hint (RFC 7009 §2.1).
            await RevokeAccessTokenAsync(hinted, clientAddress, cancellationToken);
        }
    }

    /// <summary>What a valid access token says; null for anything else (invalid, expired, revoked, foreign).</summary>
    public Task<AccessTokenInfo?> IntrospectAsync(string token, CancellationToken cancellationToken)
    {
        ValidateToken("token", token, MaxAccessTokenLength);
        return accessTokens.ReadAsync(token, cancellationToken);
    }

    /// <summary>
    /// Ends sessions of <paramref name="userId"/>: all of them, or all but <paramref name="except"/>. The caller saves
    /// the changes, then publishes the revocations (<see cref="IRevocationRecorder.PublishAsync"/>).
    /// </summary>
    public async Task RevokeSessionsAsync(Guid userId, Guid? except, string reason, CancellationToken cancellationToken)
    {
        var families = await sessions.ListUnrevokedAsync(userId, except, cancellationToken);
        foreach (var family in families)
        {
            RevokeFamily(family, reason);
        }
    }

    private async Task RevokeAccessTokenAsync(AccessTokenInfo access, string? clientAddress, CancellationToken cancellationToken)
    {
        revocations.RevokeToken(access.TokenId, access.ExpiresAt);
        metrics.Revoked(SecurityEventTypes.TokenRevoked);
        await securityEvents.RecordAsync(SecurityEventTypes.TokenRevoked, access.UserId, clientAddress, cancellationToken, "access token");
        await revocations.PublishAsync();
    }

    /// <summary>Marks a session revoked and revokes its access tokens, in the changes the caller saves.</summary>
    private void RevokeFamily(RefreshTokenFamily family, string reason)
    {
        family.Revoke(reason, timeProvider.GetUtcNowForStorage());
        metrics.Revoked(reason);
        revocations.RevokeSession(family.Id);
    }

    private (string Token, DateTimeOffset ExpiresAt) AddRefreshToken(RefreshTokenFamily family, DateTimeOffset now)
    {
        // 256 random bits; only the hash is stored.
        var token = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var stored = family.IssueToken(SecretHash.Of(token), now, Settings.RefreshTokenLifetime);
        sessions.Add(stored);
        return (token, stored.ExpiresAt);
    }

    /// <summary>The shape of a token field, checked before any work is done with it.</summary>
    private static void ValidateToken(string field, string token, int maxLength) =>
        new RequestValidation()
            .Check(field, token.Length == 0 ? "is required" : RequestValidation.TextViolation(token, maxLength))
            .ThrowIfInvalid();
}
