using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace GoChatAi.ChatService.Infrastructure.Stores;

/// <summary>Hand-written SQL on the context's own connection, for the stores' writes that EF Core would make several round trips of.</summary>
internal static class ChatDbConnection
{
    /// <summary>
    /// Runs <paramref name="operation"/> on the context's connection, opened for it; the retrying strategy runs the
    /// whole operation again after a transient failure (a dropped connection).
    /// </summary>
    public static async Task<T> ExecuteOnConnectionAsync<T>(this ChatDbContext db, Func<NpgsqlConnection, CancellationToken, Task<T>> operation, CancellationToken cancellationToken) =>
        await db.Database.CreateExecutionStrategy().ExecuteAsync(async token =>
        {
            await db.Database.OpenConnectionAsync(token);
            try
            {
                return await operation((NpgsqlConnection)db.Database.GetDbConnection(), token);
            }
            finally
            {
                await db.Database.CloseConnectionAsync();
            }
        }, cancellationToken);
}
