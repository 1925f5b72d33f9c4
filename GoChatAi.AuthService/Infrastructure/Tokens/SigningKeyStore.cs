using System.Security.Cryptography;
using GoChatAi.AuthService.Application;
using GoChatAi.AuthService.Domain;
using GoChatAi.ServiceDefaults.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace GoChatAi.AuthService.Infrastructure.Tokens;

/// <summary>
/// The signing keys, kept in the database (encrypted with the configured key password) so that every replica and
/// every restart signs and publishes the same keys, and rotated on schedule by <see cref="SigningKeyRotation"/>.
/// </summary>
public sealed class SigningKeyStore(
    IServiceScopeFactory scopeFactory,
    IOptions<AuthOptions> options,
    IOptions<AccessTokenOptions> tokenOptions,
    TimeProvider timeProvider) : IPublishedKeys
{
    // One advisory lock id for "rotating signing keys", so that two replicas never create keys at once.
    private const long RotationLockId = 0x6_0C4A_7A11;

    private volatile LoadedKeys? _keys;

    public sealed record LoadedKeys(SigningKeyRing Ring, IReadOnlyDictionary<string, ECDsaSecurityKey> Keys, DateTimeOffset LoadedAt);

    /// <summary>The keys as last loaded; reloaded at most once a minute, and at once after a rotation.</summary>
    public async Task<LoadedKeys> GetAsync(CancellationToken cancellationToken)
    {
        var keys = _keys;
        if (keys is null || timeProvider.GetUtcNow() - keys.LoadedAt > TimeSpan.FromMinutes(1))
        {
            keys = await LoadAsync(cancellationToken);
        }

        return keys;
    }

    /// <summary>The key to sign with now, with its kid.</summary>
    public async Task<SigningCredentials> GetSigningCredentialsAsync(CancellationToken cancellationToken)
    {
        var keys = await GetAsync(cancellationToken);
        var current = keys.Ring.Current(timeProvider.GetUtcNow());
        if (current is null)
        {
            await RotateAsync(cancellationToken);
            keys = await GetAsync(cancellationToken);
            current = keys.Ring.Current(timeProvider.GetUtcNow()) ?? throw new InvalidOperationException("No signing key is active.");
        }

        return new SigningCredentials(keys.Keys[current.Id], SecurityAlgorithms.EcdsaSha256);
    }

    /// <summary>The public keys that validate tokens now, to validate with.</summary>
    public async Task<IReadOnlyList<ECDsaSecurityKey>> GetValidationKeysAsync(CancellationToken cancellationToken)
    {
        var keys = await GetAsync(cancellationToken);
        return keys.Ring.Published(timeProvider.GetUtcNow()).Select(k => keys.Keys[k.Id]).ToList();
    }

    /// <summary>The same keys, to publish (the JWKS).</summary>
    public async Task<IReadOnlyList<PublishedKey>> GetPublishedKeysAsync(CancellationToken cancellationToken) =>
        (await GetValidationKeysAsync(cancellationToken))
            .Select(JsonWebKeyConverter.ConvertFromECDsaSecurityKey)
            .Select(jwk => new PublishedKey(jwk.Kid, jwk.Kty, jwk.Crv, jwk.X, jwk.Y))
            .ToList();

    /// <summary>Creates the next key when the schedule calls for one; safe to run on every replica at once.</summary>
    public async Task RotateAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AuthDbContext>();
        var strategy = db.Database.CreateExecutionStrategy();
        await strategy.ExecuteAsync(async () =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({RotationLockId})", cancellationToken);

            var now = timeProvider.GetUtcNow();
            var settings = options.Value;
            var ring = (await LoadAsync(cancellationToken)).Ring;
            if (ring.NextActivation(now, settings.SigningKeyPublishLead) is { } activatesAt)
            {
                db.SigningKeys.Add(CreateKey(now, activatesAt, settings));
                await db.SaveChangesAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
        });
        _keys = null;
        await LoadAsync(cancellationToken);
    }

    private SigningKey CreateKey(DateTimeOffset now, DateTimeOffset activatesAt, AuthOptions settings)
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var tokens = tokenOptions.Value;
        return SigningKey.Create(
            Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(12)),
            ecdsa.ExportEncryptedPkcs8PrivateKey(settings.SigningKeyPassword,
                new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 100_000)),
            now, activatesAt, settings.SigningKeyRotation, tokens.Lifetime + tokens.ClockSkew);
    }

    private async Task<LoadedKeys> LoadAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AuthDbContext>();
        var stored = await db.SigningKeys.AsNoTracking().ToListAsync(cancellationToken);
        var previous = _keys?.Keys;
        var keys = new Dictionary<string, ECDsaSecurityKey>();
        var usable = new List<SigningKey>();
        foreach (var key in stored)
        {
            // Decrypting is slow by design (PBKDF2): keep what was already decrypted.
            if (previous is not null && previous.TryGetValue(key.Id, out var known))
            {
                keys[key.Id] = known;
                usable.Add(key);
                continue;
            }

            var ecdsa = ECDsa.Create();
            try
            {
                ecdsa.ImportEncryptedPkcs8PrivateKey(options.Value.SigningKeyPassword, key.EncryptedPrivateKey, out _);
            }
            catch (CryptographicException)
            {
                // Made under another key password (the secret was replaced): unusable, so the schedule makes a new one.
                ecdsa.Dispose();
                continue;
            }

            keys[key.Id] = new ECDsaSecurityKey(ecdsa) { KeyId = key.Id };
            usable.Add(key);
        }

        var loaded = new LoadedKeys(new SigningKeyRing(usable), keys, timeProvider.GetUtcNow());
        _keys = loaded;
        return loaded;
    }
}
