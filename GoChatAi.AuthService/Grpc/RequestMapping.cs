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

    public static UpdateUserCommand ToCommand(this UpdateUserRequest request) => new(
        ParseUserId(request.Id),
        request.HasName ? request.Name : null,
        request.HasCurrentPassword ? request.CurrentPassword : null,
        request.HasNewPassword ? request.NewPassword : null);

    public static bool HintsRefreshToken(this RevokeTokenRequest request) => request.TokenTypeHint == TokenTypeHint.RefreshToken;

    private static Guid ParseUserId(string id) =>
        Guid.TryParse(id, out var userId) ? userId : throw ServiceException.InvalidArgument("id", "must be a user id (a UUID)");
}
