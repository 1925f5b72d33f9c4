namespace GoChatAi.AuthService.Domain;

/// <summary>
/// A key that signs access tokens. It is published in the JWKS before it signs (so that every resource server
/// knows it in time), signs during its period, and stays published until every token it signed has expired.
/// </summary>
public sealed class SigningKey
{
    /// <summary>The <c>kid</c>.</summary>
    public string Id { get; private init; } = "";

    /// <summary>The private key, PKCS#8, encrypted with the configured key password.</summary>
    public byte[] EncryptedPrivateKey { get; private init; } = [];

    public DateTimeOffset CreatedAt { get; private init; }

    public DateTimeOffset ActivatesAt { get; private init; }

    public DateTimeOffset RetiresAt { get; private init; }

    /// <summary>When it leaves the JWKS: its last tokens have expired by then.</summary>
    public DateTimeOffset ExpiresAt { get; private init; }

    /// <summary>
    /// A key that signs from <paramref name="activatesAt"/> for <paramref name="signingPeriod"/>, then stays published
    /// for <paramref name="tokenValidity"/> (the longest a token it signed is accepted), so that no token outlives
    /// its key. A key never starts signing before it exists.
    /// </summary>
    public static SigningKey Create(string id, byte[] encryptedPrivateKey, DateTimeOffset now, DateTimeOffset activatesAt,
        TimeSpan signingPeriod, TimeSpan tokenValidity)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        ArgumentOutOfRangeException.ThrowIfLessThan(activatesAt, now);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(signingPeriod, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(tokenValidity, TimeSpan.Zero);
        return new SigningKey
        {
            Id = id,
            EncryptedPrivateKey = encryptedPrivateKey,
            CreatedAt = now,
            ActivatesAt = activatesAt,
            RetiresAt = activatesAt + signingPeriod,
            ExpiresAt = activatesAt + signingPeriod + tokenValidity,
        };
    }

    /// <summary>Whether it is the key for tokens signed at <paramref name="now"/> (if no newer key is as well).</summary>
    public bool Signs(DateTimeOffset now) => ActivatesAt <= now && now < RetiresAt;

    /// <summary>Whether resource servers must know it at <paramref name="now"/>: until its last tokens have expired.</summary>
    public bool IsPublished(DateTimeOffset now) => now < ExpiresAt;
}

/// <summary>The rules of key rotation, free of storage and crypto, so that a test can move time through them.</summary>
public sealed class SigningKeyRing(IReadOnlyCollection<SigningKey> keys)
{
    /// <summary>The key that signs now: the newest active one.</summary>
    public SigningKey? Current(DateTimeOffset now) =>
        keys.Where(k => k.Signs(now)).MaxBy(k => k.ActivatesAt);

    /// <summary>The keys a resource server must know: the upcoming, the current and the retired whose tokens live on.</summary>
    public IEnumerable<SigningKey> Published(DateTimeOffset now) =>
        keys.Where(k => k.IsPublished(now)).OrderBy(k => k.ActivatesAt);

    /// <summary>
    /// When the next key should start, or null while one is already published for the coming period: a new key is
    /// made <paramref name="publishLead"/> before the current one retires, and activates when it does.
    /// </summary>
    public DateTimeOffset? NextActivation(DateTimeOffset now, TimeSpan publishLead)
    {
        var latest = keys.MaxBy(k => k.RetiresAt);
        if (latest is null || latest.RetiresAt <= now)
        {
            return now;
        }

        return latest.RetiresAt - publishLead <= now ? latest.RetiresAt : null;
    }
}
