namespace GoChatAi.ServiceDefaults.Authentication;

/// <summary>The claims of a GoChatAi access token (RFC 9068 profile).</summary>
public static class AccessTokenClaims
{
    public const string Subject = "sub";
    public const string TokenId = "jti";
    public const string IssuedAt = "iat";
    public const string Expires = "exp";
    public const string Role = "role";

    /// <summary>The session (refresh token family) the token was issued for, so that ending a session ends its access tokens.</summary>
    public const string SessionId = "sid";

    /// <summary>
    /// On a token exchanged for a personal API key: the key's id. Such a token acts for its user in chat only; every
    /// other service refuses it (PERMISSION_DENIED).
    /// </summary>
    public const string ApiKeyId = "api_key_id";

    /// <summary>The JOSE <c>typ</c> of access tokens (RFC 9068): an ID token or any other JWT cannot pass as one.</summary>
    public const string TokenType = "at+jwt";

    /// <summary>The only signature algorithm issued and accepted.</summary>
    public const string Algorithm = "ES256";
}
