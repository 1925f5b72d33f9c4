namespace GoChatAi.AuthService.Domain;

/// <summary>An account: who signs in, with which email, and what it may do.</summary>
public sealed class User
{
    public Guid Id { get; private init; }

    /// <summary>The address as the user typed it (trimmed), for display.</summary>
    public string Email { get; private set; } = "";

    /// <summary>The address in its canonical form: the one look-ups and the unique index use.</summary>
    public string NormalizedEmail { get; private set; } = "";

    public string Name { get; private set; } = "";

    public string PasswordHash { get; private set; } = "";

    public List<string> Roles { get; private set; } = [Domain.Roles.User];

    public DateTimeOffset CreatedAt { get; private init; }

    public DateTimeOffset UpdatedAt { get; private set; }

    public bool IsAdmin => Roles.Contains(Domain.Roles.Admin);

    /// <summary>A new account with the role "user".</summary>
    public static User Create(EmailAddress email, string name, string passwordHash, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrEmpty(passwordHash);
        return new User
        {
            Id = Guid.CreateVersion7(now),
            Email = email.Display,
            NormalizedEmail = email.Normalized,
            Name = name,
            PasswordHash = passwordHash,
            CreatedAt = now,
            UpdatedAt = now,
        };
    }

    /// <summary>
    /// Changes what the user changed: its name and/or its password (its new hash); either may be null for "unchanged".
    /// The account counts as updated either way.
    /// </summary>
    public void Update(string? name, string? passwordHash, DateTimeOffset now)
    {
        if (name is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(name);
            Name = name;
        }

        if (passwordHash is not null)
        {
            ArgumentException.ThrowIfNullOrEmpty(passwordHash);
            PasswordHash = passwordHash;
        }

        UpdatedAt = now;
    }

    /// <summary>
    /// Replaces the hash of the same password by one made at today's cost: not a change the user made, so the account
    /// does not count as updated.
    /// </summary>
    public void UpgradePasswordHash(string passwordHash)
    {
        ArgumentException.ThrowIfNullOrEmpty(passwordHash);
        PasswordHash = passwordHash;
    }

    /// <summary>Makes the user an administrator; an administrator cannot be made one again.</summary>
    public void GrantAdmin()
    {
        if (IsAdmin)
        {
            throw new InvalidOperationException($"User {Id} is already an administrator.");
        }

        Roles = [.. Roles, Domain.Roles.Admin];
    }
}
