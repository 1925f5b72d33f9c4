namespace GoChatAi.AuthService.Domain;

/// <summary>
/// A key that signs access tokens. It is published in the JWKS before it signs (so that every resource server
/// knows it in time), signs during its period, and stays published until every token it signed has expired.
/// </summary>
public sealed class SigningKey
{
    /// <summary>The <c>kid</c>.</summary>
    public required string Id { get; init; }

    /// <summary>The private key, PKCS#8, encrypted with the configured key password.</summary>
    public required byte[] EncryptedPrivateKey { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset ActivatesAt { get; init; }

    public DateTimeOffset RetiresAt { get; init; }

    /// <summary>When it leaves the JWKS: its last tokens have expired by then.</summary>
    public DateTimeOffset ExpiresAt { get; init; }
}

/// <summary>The rules of key rotation, free of storage and crypto, so that a test can move time through them.</summary>
public sealed class SigningKeyRing(IReadOnlyCollection<SigningKey> keys)
{
    /// <summary>The key that signs now: the newest active one.</summary>
    public SigningKey? Current(DateTimeOffset now) =>
        keys.Where(k => k.ActivatesAt <= now && now < k.RetiresAt).MaxBy(k => k.ActivatesAt);

    /// <summary>The keys a resource server must know: the upcoming, the current and the retired whose tokens live on.</summary>
    public IEnumerable<SigningKey> Published(DateTimeOffset now) =>
        keys.Where(k => now < k.ExpiresAt).OrderBy(k => k.ActivatesAt);

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
