using Npgsql;

namespace GoChatAi.Tests.Infrastructure;

/// <summary>
/// Reads a service's database directly, for what no API shows, nor should: rows that must be gone, audit events.
/// </summary>
public static class ServiceDatabase
{
    /// <summary>The single number <paramref name="sql"/> selects from <paramref name="database"/> (authdb or chatdb).</summary>
    public static async Task<long> CountAsync(GoChatAiAppFixture fixture, string database, string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(await fixture.App.GetConnectionStringAsync(database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
