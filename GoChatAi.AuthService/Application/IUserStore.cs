using GoChatAi.AuthService.Domain;

namespace GoChatAi.AuthService.Application;

/// <summary>The accounts. What is added, removed or changed is stored by the next <see cref="IUnitOfWork.SaveChangesAsync"/>.</summary>
public interface IUserStore
{
    Task<bool> ExistsAsync(string normalizedEmail, CancellationToken cancellationToken);

    /// <summary>The user with this address, to be changed.</summary>
    Task<User?> FindByEmailAsync(string normalizedEmail, CancellationToken cancellationToken);

    /// <summary>The user, to be changed.</summary>
    Task<User?> FindAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>The user, to be read only: changes to it are not stored.</summary>
    Task<User?> ReadAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>One page of all users, oldest first, and how many there are in all.</summary>
    Task<(IReadOnlyList<User> Users, int TotalCount)> ListAsync(int page, int limit, CancellationToken cancellationToken);

    void Add(User user);

    /// <summary>Removes the user with its sessions.</summary>
    void Remove(User user);
}
