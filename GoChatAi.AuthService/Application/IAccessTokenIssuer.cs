using GoChatAi.AuthService.Domain;

namespace GoChatAi.AuthService.Application;

/// <summary>An access token as issued: the JWT and what it says.</summary>
public sealed record IssuedAccessToken(string Token, string TokenId, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt);

/// <summary>What a valid access token says about its bearer.</summary>
public sealed record AccessTokenInfo(Guid UserId, string TokenId, Guid? SessionId, IReadOnlyList<string> Roles, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt);

/// <summary>Issues signed access tokens and reads them back.</summary>
public interface IAccessTokenIssuer
{
    Task<IssuedAccessToken> IssueAsync(User user, Guid sessionId, CancellationToken cancellationToken);

    /// <summary>
    /// A token that acts for the key's user in chat only (it names the key, which other services refuse), with the
    /// key's id as its session, and never outliving the key.
    /// </summary>
    Task<IssuedAccessToken> IssueForApiKeyAsync(ApiKey key, CancellationToken cancellationToken);

    /// <summary>What <paramref name="token"/> says if it is a valid, unrevoked access token of this issuer; else null.</summary>
    Task<AccessTokenInfo?> ReadAsync(string token, CancellationToken cancellationToken);

    /// <summary>What a well-signed, unexpired token of this issuer says, revoked or not.</summary>
    Task<AccessTokenInfo?> ReadSignedAsync(string token, CancellationToken cancellationToken);
}
