namespace GoChatAi.AuthService.Domain;

/// <summary>What happened to an account, kept for audit (and written to the structured log as well).</summary>
public sealed class SecurityEvent
{
    public long Id { get; init; }

    public required string Type { get; init; }

    public Guid? UserId { get; init; }

    public string? ClientAddress { get; init; }

    public DateTimeOffset OccurredAt { get; init; }

    public string? Detail { get; init; }
}

public static class SecurityEventTypes
{
    public const string SignUp = "sign_up";
    public const string SignInSucceeded = "sign_in_succeeded";
    public const string SignInFailed = "sign_in_failed";
    public const string SignInThrottled = "sign_in_throttled";
    public const string RefreshTokenReused = "refresh_token_reused";
    public const string TokenRevoked = "token_revoked";
    public const string SignedOut = "signed_out";
    public const string PasswordChanged = "password_changed";

    /// <summary>A password change refused: its current password was wrong.</summary>
    public const string PasswordChangeFailed = "password_change_failed";

    /// <summary>A password change refused unchecked: too many wrong passwords for the account or the client.</summary>
    public const string PasswordChangeThrottled = "password_change_throttled";
    public const string UserDeleted = "user_deleted";
    public const string ApiKeyCreated = "api_key_created";
    public const string ApiKeyRevoked = "api_key_revoked";
}
