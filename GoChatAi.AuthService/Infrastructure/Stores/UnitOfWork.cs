using GoChatAi.AuthService.Application;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace GoChatAi.AuthService.Infrastructure.Stores;

/// <summary>One request's changes, saved in one transaction of the AuthDbContext the stores of the request share.</summary>
public sealed class UnitOfWork(AuthDbContext db) : IUnitOfWork
{
    public async Task SaveChangesAsync(CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException exception) when (exception.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            throw new DuplicateKeyException("A unique key was taken meanwhile.", exception);
        }
    }
}
