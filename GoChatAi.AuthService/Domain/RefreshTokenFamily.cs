namespace GoChatAi.AuthService.Domain;

/// <summary>
/// One sign-in session: the chain of refresh tokens that rotate from it (RFC 9700). Its id is the <c>sid</c> of
/// the session's access tokens. Revoking the family ends the session everywhere.
/// </summary>
public sealed class RefreshTokenFamily
{
    public Guid Id { get; private init; }

    public Guid UserId { get; private init; }

    public DateTimeOffset CreatedAt { get; private init; }

    /// <summary>However often it rotates, a session ends here (absolute lifetime).</summary>
    public DateTimeOffset AbsoluteExpiresAt { get; private init; }

    public DateTimeOffset? RevokedAt { get; private set; }

    public string? RevokedReason { get; private set; }

    /// <summary>A new session of <paramref name="userId"/>, ending at the latest <paramref name="absoluteLifetime"/> from now.</summary>
    public static RefreshTokenFamily Start(Guid userId, DateTimeOffset now, TimeSpan absoluteLifetime)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(absoluteLifetime, TimeSpan.Zero);
        return new RefreshTokenFamily
        {
            Id = Guid.CreateVersion7(now),
            UserId = userId,
            CreatedAt = now,
            AbsoluteExpiresAt = now + absoluteLifetime,
        };
    }

    public bool IsActive(DateTimeOffset now) => RevokedAt is null && now < AbsoluteExpiresAt;

    /// <summary>Whether <paramref name="token"/> may be exchanged now: one of this session's, unexpired, in a live session.</summary>
    public bool Accepts(RefreshToken token, DateTimeOffset now) =>
        token.FamilyId == Id && IsActive(now) && now < token.ExpiresAt;

    /// <summary>
    /// The session's next refresh token (the first, or the one a rotation hands out), valid for
    /// <paramref name="lifetime"/> but never past the session's end. A revoked or ended session issues none.
    /// </summary>
    public RefreshToken IssueToken(byte[] tokenHash, DateTimeOffset now, TimeSpan lifetime)
    {
        if (!IsActive(now))
        {
            throw new InvalidOperationException($"Session {Id} is revoked or has ended; it issues no refresh token.");
        }

        return new RefreshToken
        {
            Id = Guid.CreateVersion7(now),
            FamilyId = Id,
            TokenHash = tokenHash,
            CreatedAt = now,
            ExpiresAt = now + lifetime < AbsoluteExpiresAt ? now + lifetime : AbsoluteExpiresAt,
        };
    }

    /// <summary>
    /// Whether a second use of a spent token is a replay (RFC 9700 §4.14.2): within <paramref name="raceWindow"/> of
    /// its first use it is taken as two tabs refreshing at once (refused, but the session lives on); later, or with
    /// no first use known, it is a replay, and the session must be revoked.
    /// </summary>
    public static bool IsReplay(DateTimeOffset? firstUse, DateTimeOffset now, TimeSpan raceWindow) =>
        firstUse is not { } first || now - first > raceWindow;

    /// <summary>Ends the session for <paramref name="reason"/>. A session is revoked once: its first reason stands.</summary>
    public void Revoke(string reason, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        if (RevokedAt is not null)
        {
            throw new InvalidOperationException($"Session {Id} is already revoked ({RevokedReason}).");
        }

        RevokedAt = now;
        RevokedReason = reason;
    }
}

/// <summary>One refresh token of a family. Only its SHA-256 hash is stored; it can be used once.</summary>
public sealed class RefreshToken
{
    // Made by RefreshTokenFamily.IssueToken only, or read from the database.
    public Guid Id { get; internal init; }

    public Guid FamilyId { get; internal init; }

    public byte[] TokenHash { get; internal init; } = [];

    public DateTimeOffset CreatedAt { get; internal init; }

    public DateTimeOffset ExpiresAt { get; internal init; }

    /// <summary>When it was exchanged for the next token; a second use is a replay.</summary>
    public DateTimeOffset? UsedAt { get; private set; }

    /// <summary>Spends the token. It works once: a spent token cannot be used again.</summary>
    public void Use(DateTimeOffset now)
    {
        if (UsedAt is not null)
        {
            throw new InvalidOperationException($"Refresh token {Id} was already used.");
        }

        UsedAt = now;
    }
}
