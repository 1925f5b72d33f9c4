using System.Buffers.Text;
using System.Security.Cryptography;
using GoChatAi.AuthService.Domain;
using GoChatAi.ServiceDefaults;
using GoChatAi.ServiceDefaults.Errors;
using Microsoft.Extensions.Options;

namespace GoChatAi.AuthService.Application;

/// <summary>An API key as its creator sees it once: the key and its secret.</summary>
public sealed record CreatedApiKey(ApiKey Key, string Secret);

/// <summary>What exchanging a key gives: an access token for chat, acting for the key's user.</summary>
public sealed record ApiKeyAccess(IssuedAccessToken AccessToken, ApiKey Key);

/// <summary>
/// Personal API keys: made, listed and revoked by their user, and exchanged by the ChatService for short-lived access
/// tokens that act for the user in chat only.
/// </summary>
public sealed class ApiKeyService(
    IApiKeyStore keys,
    IUnitOfWork changes,
    IAccessTokenIssuer accessTokens,
    IRevocationRecorder revocations,
    ISecurityEventLog securityEvents,
    IOptions<AuthOptions> options,
    TimeProvider timeProvider)
{
    public const int MaxSecretLength = 512;
    private const string InvalidKey = "The API key is invalid, expired or revoked.";

    private ApiKeyOptions Settings => options.Value.ApiKeys;

    public async Task<CreatedApiKey> CreateAsync(Caller caller, string name, int? expiresInDays, string? clientAddress, CancellationToken cancellationToken)
    {
        var maxDays = (int)Settings.MaxLifetime.TotalDays;
        new RequestValidation()
            .Check("name", name.Trim().Length == 0 ? "is required" : RequestValidation.TextViolation(name.Trim(), ApiKey.MaxNameLength))
            .Check("expires_in_days", expiresInDays is < 1 || expiresInDays > maxDays ? $"must be 1 to {maxDays}" : null)
            .ThrowIfInvalid();

        var now = timeProvider.GetUtcNowForStorage();
        if (await keys.CountUsableAsync(caller.UserId, now, cancellationToken) >= Settings.MaxPerUser)
        {
            throw new ServiceException(ErrorKind.ResourceExhausted,
                $"You have {Settings.MaxPerUser} usable API keys, as many as allowed; revoke one before making another.");
        }

        // 256 random bits; only the hash is stored.
        var secret = ApiKey.SecretPrefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var lifetime = expiresInDays is { } days ? TimeSpan.FromDays(days) : Settings.DefaultLifetime;
        var key = ApiKey.Create(caller.UserId, name.Trim(), secret, SecretHash.Of(secret), now, lifetime);
        keys.Add(key);
        securityEvents.Add(SecurityEventTypes.ApiKeyCreated, caller.UserId, clientAddress, $"key {key.Id} ({key.Prefix})");
        await changes.SaveChangesAsync(cancellationToken);
        return new CreatedApiKey(key, secret);
    }

    public Task<IReadOnlyList<ApiKey>> ListAsync(Caller caller, CancellationToken cancellationToken) =>
        keys.ListUsableAsync(caller.UserId, timeProvider.GetUtcNowForStorage(), cancellationToken);

    /// <summary>Revokes one of the caller's usable keys, and every access token exchanged for it, at once.</summary>
    public async Task RevokeAsync(Caller caller, Guid keyId, string? clientAddress, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNowForStorage();
        var key = await keys.FindUsableAsync(caller.UserId, keyId, now, cancellationToken)
            ?? throw ServiceException.NotFound("The API key");
        key.Revoke(now);
        // The key's id is the sid of the tokens exchanged for it.
        revocations.RevokeSession(key.Id);
        securityEvents.Add(SecurityEventTypes.ApiKeyRevoked, caller.UserId, clientAddress, $"key {key.Id} ({key.Prefix})");
        await changes.SaveChangesAsync(cancellationToken);
        await revocations.PublishAsync();
    }

    /// <summary>
    /// An access token for chat in exchange for a usable key. Unknown, revoked and expired keys get one answer, after
    /// the same work: the secret is looked up by its hash, never compared piece by piece.
    /// </summary>
    public async Task<ApiKeyAccess> ExchangeAsync(string secret, CancellationToken cancellationToken)
    {
        new RequestValidation()
            .Check("api_key", secret.Length == 0 ? "is required" : RequestValidation.TextViolation(secret, MaxSecretLength))
            .ThrowIfInvalid();

        var now = timeProvider.GetUtcNowForStorage();
        var key = await keys.FindBySecretHashAsync(SecretHash.Of(secret), cancellationToken);
        if (key is null || !key.IsUsable(now))
        {
            throw ServiceException.Unauthenticated(InvalidKey);
        }

        var token = await accessTokens.IssueForApiKeyAsync(key, cancellationToken);
        await keys.MarkUsedAsync(key.Id, now, cancellationToken);
        return new ApiKeyAccess(token, key);
    }
}
