using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace GoChatAi.ChatService.Infrastructure.Stores;

/// <summary>
/// How the stores reach chatdb: a context of the pool for each operation, given back as soon as it is done, so that
/// a call that lasts (a streamed answer, a feed a browser tab follows for hours) holds none while it waits; and their
/// own SQL on its connection: one round trip, retried whole, typed parameters.
/// </summary>
internal static class SqlRoundTrip
{
    /// <summary>Runs <paramref name="operation"/> on a context of the pool.</summary>
    public static async Task<T> RunAsync<T>(this IDbContextFactory<ChatDbContext> contexts, Func<ChatDbContext, Task<T>> operation, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await operation(db);
    }

    /// <summary>Runs one round trip on a pooled context's connection; the retrying strategy runs it again whole after a transient failure (a dropped connection).</summary>
    public static async Task<T> ExecuteAsync<T>(this IDbContextFactory<ChatDbContext> contexts, Func<NpgsqlConnection, CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Database.CreateExecutionStrategy().ExecuteAsync(async token =>
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

    public static NpgsqlParameter<T> Param<T>(T value) => new() { TypedValue = value };

    public static NpgsqlParameter Param(string? value) =>
        new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };

    public static NpgsqlParameter Param(int? value) =>
        new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer };

    public static NpgsqlParameter Param(Guid? value) =>
        new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid };
}
