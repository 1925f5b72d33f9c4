using GoChatAi.ServiceDefaults.Errors;

namespace GoChatAi.AuthService.Grpc;

/// <summary>The shape checks of token fields, before any work is done with them.</summary>
internal static class Validation
{
    public const int MaxAccessTokenLength = 8192;
    public const int MaxRefreshTokenLength = 512;

    public static void RequireToken(string token, string field, int maxLength) =>
        new RequestValidation()
            .Check(field, token.Length == 0 ? "is required" : token.Length > maxLength ? $"must be at most {maxLength} characters" : RequestValidation.TextViolation(token, maxLength))
            .ThrowIfInvalid();
}
