using GoChatAi.AuthService.Application;
using GoChatAi.Contracts.Auth.V1;
using GoChatAi.ServiceDefaults.Errors;

namespace GoChatAi.AuthService.Grpc;

/// <summary>
/// From the API's requests to the application's typed arguments, parsed once here: gRPC and its JSON transcoding
/// (the same service) both come this way, and the use cases get Guids, not strings to check again.
/// </summary>
internal static class RequestMapping
{
    public static Guid ToUserId(this GetUserRequest request) => ParseUserId(request.Id);

    public static Guid ToUserId(this DeleteUserRequest request) => ParseUserId(request.Id);

    public static Guid ToApiKeyId(this RevokeApiKeyRequest request) =>
        Guid.TryParse(request.Id, out var keyId) ? keyId : throw ServiceException.InvalidArgument("id", "must be an API key id (a UUID)");

    public static UpdateUserCommand ToCommand(this UpdateUserRequest request) => new(
        ParseUserId(request.Id),
        request.HasName ? request.Name : null,
        request.HasCurrentPassword ? request.CurrentPassword : null,
        request.HasNewPassword ? request.NewPassword : null);

    public static bool HintsRefreshToken(this RevokeTokenRequest request) => request.TokenTypeHint == TokenTypeHint.RefreshToken;

    /// <summary>
    /// The token to revoke: <c>token</c>, or <c>access_token</c> as the Go system named it (checked here under that
    /// name; <c>token</c> is checked by the use case). Two different tokens are refused, not one of them picked.
    /// </summary>
    public static string ToToken(this RevokeTokenRequest request)
    {
        if (request.AccessToken.Length == 0)
        {
            return request.Token;
        }

        new RequestValidation()
            .Check("access_token", request.Token.Length == 0
                ? RequestValidation.TextViolation(request.AccessToken, SessionService.MaxAccessTokenLength)
                : request.Token == request.AccessToken ? null : "is the Go system's name for token; when both are given they must be the same token")
            .ThrowIfInvalid();
        return request.AccessToken;
    }

    /// <summary>
    /// What to end: the refresh token to revoke with the session, and whether every session. The Go system's
    /// <c>access_token</c> may name the caller's own token (the one it is authenticated with), and nothing else:
    /// signing out with one token while naming another is refused rather than guessed at.
    /// </summary>
    public static (string RefreshToken, bool AllSessions) ToSignOut(this SignOutRequest request, string? bearerToken)
    {
        new RequestValidation()
            .Require(request.AccessToken.Length == 0 || request.AccessToken == bearerToken, "access_token", "must be the access token of the authorization header, when given")
            .ThrowIfInvalid();
        return (request.RefreshToken, request.AllSessions);
    }

    private static Guid ParseUserId(string id) =>
        Guid.TryParse(id, out var userId) ? userId : throw ServiceException.InvalidArgument("id", "must be a user id (a UUID)");
}
