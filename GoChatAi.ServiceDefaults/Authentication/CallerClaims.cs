using System.Security.Claims;
using GoChatAi.ServiceDefaults.Errors;

namespace GoChatAi.ServiceDefaults.Authentication;

/// <summary>What an authenticated call's access token says about its caller.</summary>
public static class CallerClaims
{
    /// <summary>The caller's user id (the token's <c>sub</c>); UNAUTHENTICATED when the token names none.</summary>
    public static Guid GetUserId(this ClaimsPrincipal principal) =>
        Guid.TryParse(principal.FindFirstValue(AccessTokenClaims.Subject), out var id)
            ? id
            : throw ServiceException.Unauthenticated();
}
