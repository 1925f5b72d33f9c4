using GoChatAi.AuthService.Application;
using GoChatAi.AuthService.Domain;
using Microsoft.EntityFrameworkCore;

namespace GoChatAi.AuthService.Infrastructure.Stores;

/// <summary>The accounts in PostgreSQL.</summary>
public sealed class UserStore(AuthDbContext db) : IUserStore
{
    public Task<bool> ExistsAsync(string normalizedEmail, CancellationToken cancellationToken) =>
        db.Users.AnyAsync(u => u.NormalizedEmail == normalizedEmail, cancellationToken);

    public Task<User?> FindByEmailAsync(string normalizedEmail, CancellationToken cancellationToken) =>
        db.Users.SingleOrDefaultAsync(u => u.NormalizedEmail == normalizedEmail, cancellationToken);

    public Task<User?> FindAsync(Guid id, CancellationToken cancellationToken) =>
        db.Users.SingleOrDefaultAsync(u => u.Id == id, cancellationToken);

    public Task<User?> ReadAsync(Guid id, CancellationToken cancellationToken) =>
        db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == id, cancellationToken);

    public async Task<(IReadOnlyList<User> Users, int TotalCount)> ListAsync(int page, int limit, CancellationToken cancellationToken)
    {
        var total = await db.Users.CountAsync(cancellationToken);
        var users = await db.Users.AsNoTracking()
            .OrderBy(u => u.CreatedAt).ThenBy(u => u.Id)
            .Skip((page - 1) * limit).Take(limit)
            .ToListAsync(cancellationToken);
        return (users, total);
    }

    public void Add(User user) => db.Users.Add(user);

    // Its sessions and refresh tokens go with it (ON DELETE CASCADE).
    public void Remove(User user) => db.Users.Remove(user);
}
