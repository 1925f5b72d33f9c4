using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using StackExchange.Redis;

namespace GoChatAi.AppHost.Infrastructure;

/// <summary>Healthy once the local PostgreSQL server accepts a login and answers a query.</summary>
internal sealed class PostgresServerHealthCheck(ReferenceExpression connectionString) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = new NpgsqlConnection(await connectionString.GetValueAsync(cancellationToken));
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception exception) when (exception is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return HealthCheckResult.Unhealthy("PostgreSQL does not answer yet.", exception);
        }
    }
}

/// <summary>Healthy once the local Redis (or Garnet) server answers a PING.</summary>
internal sealed class RedisServerHealthCheck(ReferenceExpression connectionString) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await ConnectionMultiplexer.ConnectAsync(
                await connectionString.GetValueAsync(cancellationToken) ?? "");
            await connection.GetDatabase().PingAsync();
            return HealthCheckResult.Healthy();
        }
        catch (Exception exception) when (exception is RedisException or RedisTimeoutException)
        {
            return HealthCheckResult.Unhealthy("Redis does not answer yet.", exception);
        }
    }
}
