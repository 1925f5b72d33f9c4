namespace GoChatAi.AuthService.Application;

/// <summary>A change to an account: a null field is left as it is; a new password needs the current one.</summary>
public sealed record UpdateUserCommand(Guid UserId, string? Name, string? CurrentPassword, string? NewPassword);
