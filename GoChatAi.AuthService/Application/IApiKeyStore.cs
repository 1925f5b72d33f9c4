using GoChatAi.AuthService.Domain;

namespace GoChatAi.AuthService.Application;

/// <summary>Personal API keys. What is added or changed is stored by the next <see cref="IUnitOfWork.SaveChangesAsync"/>.</summary>
public interface IApiKeyStore
{
    void Add(ApiKey key);

    /// <summary>The key whose secret has this hash, revoked or expired or not; to be read only.</summary>
    Task<ApiKey?> FindBySecretHashAsync(byte[] secretHash, CancellationToken cancellationToken);

    /// <summary>One of <paramref name="userId"/>'s keys that is usable at <paramref name="now"/>; to be changed.</summary>
    Task<ApiKey?> FindUsableAsync(Guid userId, Guid keyId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>The user's keys usable at <paramref name="now"/>, newest first.</summary>
    Task<IReadOnlyList<ApiKey>> ListUsableAsync(Guid userId, DateTimeOffset now, CancellationToken cancellationToken);

    Task<int> CountUsableAsync(Guid userId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Records that the key was used at <paramref name="now"/>, stored at once.</summary>
    Task MarkUsedAsync(Guid keyId, DateTimeOffset now, CancellationToken cancellationToken);
}
