namespace GoChatAi.AuthService.Domain;

/// <summary>An account: who signs in, with which email, and what it may do.</summary>
public sealed class User
{
    public Guid Id { get; init; }

    /// <summary>The address as the user typed it (trimmed), for display.</summary>
    public required string Email { get; set; }

    /// <summary>The address in its canonical form: the one look-ups and the unique index use.</summary>
    public required string NormalizedEmail { get; set; }

    public required string Name { get; set; }

    public required string PasswordHash { get; set; }

    public List<string> Roles { get; set; } = [Domain.Roles.User];

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; set; }

    public bool IsAdmin => Roles.Contains(Domain.Roles.Admin);
}
