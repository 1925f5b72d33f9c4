using System.Security.Cryptography;
using GoChatAi.AuthService.Application;
using GoChatAi.AuthService.Domain;
using GoChatAi.ServiceDefaults.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace GoChatAi.AuthService.Infrastructure.Tokens;

/// <summary>Issues and reads access tokens: ES256 JWTs of the RFC 9068 profile (<c>typ: at+jwt</c>).</summary>
public sealed class AccessTokenIssuer(
    SigningKeyStore keys,
    TokenRevocationList revocations,
    IOptions<AccessTokenOptions> options,
    TimeProvider timeProvider) : IAccessTokenIssuer
{
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false, SetDefaultTimesOnTokenCreation = false };

    public Task<IssuedAccessToken> IssueAsync(User user, Guid sessionId, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        return IssueAsync(user.Id, sessionId, user.Roles, apiKeyId: null, now, now + options.Value.Lifetime, cancellationToken);
    }

    public Task<IssuedAccessToken> IssueForApiKeyAsync(ApiKey key, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var expires = now + options.Value.Lifetime;
        // A key acts as a user, never as an admin.
        return IssueAsync(key.UserId, key.Id, [Roles.User], key.Id, now, expires < key.ExpiresAt ? expires : key.ExpiresAt, cancellationToken);
    }

    private async Task<IssuedAccessToken> IssueAsync(
        Guid userId, Guid sessionId, IReadOnlyCollection<string> roles, Guid? apiKeyId, DateTimeOffset now, DateTimeOffset expires, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var tokenId = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(16));
        var claims = new Dictionary<string, object>
        {
            [AccessTokenClaims.Subject] = userId.ToString(),
            [AccessTokenClaims.TokenId] = tokenId,
            [AccessTokenClaims.SessionId] = sessionId.ToString(),
            [AccessTokenClaims.Role] = roles.ToArray(),
        };
        if (apiKeyId is { } keyId)
        {
            claims[AccessTokenClaims.ApiKeyId] = keyId.ToString();
        }

        var token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = settings.Issuer,
            Audience = settings.Audience,
            Claims = claims,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            TokenType = AccessTokenClaims.TokenType,
            SigningCredentials = await keys.GetSigningCredentialsAsync(cancellationToken),
        });
        return new IssuedAccessToken(token, tokenId, DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds()), expires);
    }

    public async Task<AccessTokenInfo?> ReadAsync(string token, CancellationToken cancellationToken)
    {
        var info = await ReadSignedAsync(token, cancellationToken);
        if (info is null)
        {
            return null;
        }

        var revoked = await revocations.IsRevokedAsync(info.TokenId, info.SessionId?.ToString(), info.UserId.ToString(), info.IssuedAt);
        return revoked ? null : info;
    }

    public async Task<AccessTokenInfo?> ReadSignedAsync(string token, CancellationToken cancellationToken)
    {
        var parameters = AccessTokenAuthenticationExtensions.CreateValidationParameters(options.Value);
        parameters.IssuerSigningKeys = await keys.GetValidationKeysAsync(cancellationToken);
        parameters.LifetimeValidator = (notBefore, expires, _, p) =>
        {
            var now = timeProvider.GetUtcNow().UtcDateTime;
            return expires is { } exp && now < exp + p.ClockSkew && (notBefore is null || notBefore <= now + p.ClockSkew);
        };

        var result = await _handler.ValidateTokenAsync(token, parameters);
        if (!result.IsValid)
        {
            return null;
        }

        var claims = result.ClaimsIdentity;
        var jwt = (JsonWebToken)result.SecurityToken;
        return Guid.TryParse(claims.FindFirst(AccessTokenClaims.Subject)?.Value, out var userId) && claims.FindFirst(AccessTokenClaims.TokenId)?.Value is { } tokenId
            ? new AccessTokenInfo(
                userId,
                tokenId,
                Guid.TryParse(claims.FindFirst(AccessTokenClaims.SessionId)?.Value, out var sid) ? sid : null,
                claims.FindAll(AccessTokenClaims.Role).Select(c => c.Value).ToList(),
                new DateTimeOffset(jwt.IssuedAt, TimeSpan.Zero),
                new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero))
            : null;
    }
}
