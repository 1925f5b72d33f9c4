namespace GoChatAi.AuthService.Application;

/// <summary>A public key that validates access tokens, as the parts of its JWK (RFC 7517; EC, P-256).</summary>
public sealed record PublishedKey(string KeyId, string KeyType, string Curve, string X, string Y);

/// <summary>The public keys resource servers must know now: the upcoming, the current and the retired whose tokens live on.</summary>
public interface IPublishedKeys
{
    Task<IReadOnlyList<PublishedKey>> GetPublishedKeysAsync(CancellationToken cancellationToken);
}
