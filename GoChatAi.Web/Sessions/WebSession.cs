using GoChatAi.Contracts.Auth.V1;

namespace GoChatAi.Web.Sessions;

/// <summary>
/// The tokens of one signed-in browser, kept on the server: the browser holds only an encrypted cookie that names
/// the session, so no page script (nor anything injected into a page) can read the refresh token or the access token.
/// </summary>
public sealed record WebSession(
    string AccessToken,
    DateTimeOffset AccessTokenExpiresAt,
    string RefreshToken,
    DateTimeOffset RefreshTokenExpiresAt)
{
    /// <summary>How long before its expiry an access token is renewed, so that no call carries one that runs out on the way.</summary>
    public static readonly TimeSpan RenewalLead = TimeSpan.FromMinutes(1);

    public static WebSession From(TokenPair tokens) => new(
        tokens.AccessToken,
        tokens.AccessTokenExpiresAt.ToDateTimeOffset(),
        tokens.RefreshToken,
        tokens.RefreshTokenExpiresAt.ToDateTimeOffset());

    public bool NeedsRenewalAt(DateTimeOffset now) => AccessTokenExpiresAt - RenewalLead <= now;
}
