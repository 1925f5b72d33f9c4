using System.Security.Claims;
using GoChatAi.Contracts.Auth.V1;

namespace GoChatAi.Web.Sessions;

/// <summary>What the session cookie says of its browser: who signed in, and which server-side session holds the tokens.</summary>
public static class WebSessionClaims
{
    /// <summary>The id of the <see cref="WebSession"/> in the <see cref="WebSessionStore"/>.</summary>
    public const string SessionId = "gochatai:web_session";

    public static ClaimsPrincipal Principal(User user, string sessionId, string authenticationType) =>
        new(new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, user.Id),
                new Claim(ClaimTypes.Name, user.Name),
                new Claim(ClaimTypes.Email, user.Email),
                new Claim(SessionId, sessionId),
                .. user.Roles.Select(role => new Claim(ClaimTypes.Role, role)),
            ],
            authenticationType));

    public static string? SessionIdOf(ClaimsPrincipal user) => user.FindFirst(SessionId)?.Value;
}
