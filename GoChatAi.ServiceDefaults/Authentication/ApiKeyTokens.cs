using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;

namespace GoChatAi.ServiceDefaults.Authentication;

/// <summary>
/// Access tokens exchanged for personal API keys (they carry <see cref="AccessTokenClaims.ApiKeyId"/>): a service
/// refuses them unless it serves API keys, as the ChatService does.
/// </summary>
public static class ApiKeyTokens
{
    /// <summary>The default policy of a service that does not serve API keys: signed in, and not with a key.</summary>
    public static AuthorizationPolicy RefusingPolicy { get; } = new AuthorizationPolicyBuilder()
        .RequireAuthenticatedUser()
        .RequireAssertion(context => !IsApiKeyToken(context.User))
        .Build();

    /// <summary>The default policy of a service that serves API keys: signed in, or acting for a key.</summary>
    public static AuthorizationPolicy AcceptingPolicy { get; } = new AuthorizationPolicyBuilder()
        .RequireAuthenticatedUser()
        .Build();

    public static bool IsApiKeyToken(ClaimsPrincipal principal) => principal.HasClaim(c => c.Type == AccessTokenClaims.ApiKeyId);

    /// <summary>The API key the caller acts for, or null when it signed in.</summary>
    public static Guid? GetApiKeyId(this ClaimsPrincipal principal) =>
        Guid.TryParse(principal.FindFirstValue(AccessTokenClaims.ApiKeyId), out var keyId) ? keyId : null;
}
