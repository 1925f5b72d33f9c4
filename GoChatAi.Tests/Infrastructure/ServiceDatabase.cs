using Npgsql;

namespace GoChatAi.Tests.Infrastructure;

/// <summary>
/// Reads a service's database directly, for what no API shows, nor should: rows that must be gone, audit events.
/// </summary>
public static class ServiceDatabase
{
    /// <summary>
    /// A new connection to <paramref name="database"/> (authdb or chatdb). Never a pooled one: tests restart the
    /// server, which leaves pooled connections dead.
    /// </summary>
    public static async Task<NpgsqlConnection> OpenAsync(GoChatAiAppFixture fixture, string database)
    {
        var connectionString = new NpgsqlConnectionStringBuilder(await fixture.App.GetConnectionStringAsync(database)) { Pooling = false };
        var connection = new NpgsqlConnection(connectionString.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>The single number <paramref name="sql"/> selects from <paramref name="database"/>.</summary>
    public static async Task<long> CountAsync(GoChatAiAppFixture fixture, string database, string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = await OpenAsync(fixture, database);
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Drops a scratch database a test made, with whatever is still connected to it.</summary>
    public static async Task DropAsync(string connectionString)
    {
        var server = new NpgsqlConnectionStringBuilder(connectionString);
        var database = server.Database!;
        server.Database = "postgres";
        await using var connection = new NpgsqlConnection(server.ConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
