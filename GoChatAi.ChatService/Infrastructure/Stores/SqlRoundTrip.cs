using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace GoChatAi.ChatService.Infrastructure.Stores;

/// <summary>How the stores run their own SQL on chatdb's connection: one round trip, retried whole, typed parameters.</summary>
internal static class SqlRoundTrip
{
    /// <summary>Runs one round trip on the context's connection; the retrying strategy runs it again whole after a transient failure (a dropped connection).</summary>
    public static async Task<T> ExecuteAsync<T>(this ChatDbContext db, Func<NpgsqlConnection, CancellationToken, Task<T>> operation, CancellationToken cancellationToken) =>
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

    public static NpgsqlParameter<T> Param<T>(T value) => new() { TypedValue = value };

    public static NpgsqlParameter Param(string? value) =>
        new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };

    public static NpgsqlParameter Param(int? value) =>
        new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer };

    public static NpgsqlParameter Param(Guid? value) =>
        new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid };
}
