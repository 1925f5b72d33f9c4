namespace GoChatAi.AuthService.Application;

/// <summary>Who is calling, as their access token says.</summary>
public sealed record Caller(Guid UserId, bool IsAdmin, Guid? SessionId, string TokenId, DateTimeOffset TokenExpiresAt);
