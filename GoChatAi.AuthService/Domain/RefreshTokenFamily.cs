namespace GoChatAi.AuthService.Domain;

/// <summary>
/// One sign-in session: the chain of refresh tokens that rotate from it (RFC 9700). Its id is the <c>sid</c> of
/// the session's access tokens. Revoking the family ends the session everywhere.
/// </summary>
public sealed class RefreshTokenFamily
{
    public Guid Id { get; init; }

    public Guid UserId { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>However often it rotates, a session ends here (absolute lifetime).</summary>
    public DateTimeOffset AbsoluteExpiresAt { get; init; }

    public DateTimeOffset? RevokedAt { get; set; }

    public string? RevokedReason { get; set; }

    public bool IsActive(DateTimeOffset now) => RevokedAt is null && now < AbsoluteExpiresAt;
}

/// <summary>One refresh token of a family. Only its SHA-256 hash is stored; it can be used once.</summary>
public sealed class RefreshToken
{
    public Guid Id { get; init; }

    public Guid FamilyId { get; init; }

    public required byte[] TokenHash { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset ExpiresAt { get; init; }

    /// <summary>When it was exchanged for the next token; a second use is a replay.</summary>
    public DateTimeOffset? UsedAt { get; set; }
}
