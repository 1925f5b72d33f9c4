namespace GoChatAi.AuthService.Application;

/// <summary>A fresh access token and the refresh token that gets the next one.</summary>
public sealed record TokenPair(IssuedAccessToken Access, string RefreshToken, DateTimeOffset RefreshTokenExpiresAt);
