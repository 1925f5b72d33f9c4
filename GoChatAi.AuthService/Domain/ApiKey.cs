namespace GoChatAi.AuthService.Domain;

/// <summary>
/// A personal API key: a secret its user gave to a program, which acts for the user in chat until the key expires or
/// is revoked. Only the secret's SHA-256 hash is kept, with its first characters to tell keys apart.
/// </summary>
public sealed class ApiKey
{
    /// <summary>What every key's secret starts with, so that people and secret scanners can recognise one.</summary>
    public const string SecretPrefix = "gca_";

    /// <summary>How many characters of the secret are kept to show: the prefix and 8 more (48 of its 256 random bits).</summary>
    public const int VisiblePrefixLength = 12;

    public const int MaxNameLength = 100;

    public Guid Id { get; private init; }

    public Guid UserId { get; private init; }

    public string Name { get; private init; } = "";

    /// <summary>The secret's first <see cref="VisiblePrefixLength"/> characters.</summary>
    public string Prefix { get; private init; } = "";

    public byte[] SecretHash { get; private init; } = [];

    public DateTimeOffset CreatedAt { get; private init; }

    public DateTimeOffset ExpiresAt { get; private init; }

    public DateTimeOffset? LastUsedAt { get; private set; }

    public DateTimeOffset? RevokedAt { get; private set; }

    /// <summary>A new key of <paramref name="userId"/> for the secret whose hash is given, usable for <paramref name="lifetime"/>.</summary>
    public static ApiKey Create(Guid userId, string name, string secret, byte[] secretHash, DateTimeOffset now, TimeSpan lifetime)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lifetime, TimeSpan.Zero);
        if (!secret.StartsWith(SecretPrefix, StringComparison.Ordinal) || secret.Length <= VisiblePrefixLength)
        {
            throw new ArgumentException($"An API key's secret starts with {SecretPrefix} and is longer than its visible prefix.", nameof(secret));
        }

        return new ApiKey
        {
            Id = Guid.CreateVersion7(now),
            UserId = userId,
            Name = name,
            Prefix = secret[..VisiblePrefixLength],
            SecretHash = secretHash,
            CreatedAt = now,
            ExpiresAt = now + lifetime,
        };
    }

    /// <summary>Whether the key may act now: neither revoked nor expired.</summary>
    public bool IsUsable(DateTimeOffset now) => RevokedAt is null && now < ExpiresAt;

    /// <summary>Revokes the key. A key is revoked once.</summary>
    public void Revoke(DateTimeOffset now)
    {
        if (RevokedAt is not null)
        {
            throw new InvalidOperationException($"API key {Id} is already revoked.");
        }

        RevokedAt = now;
    }
}
