using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// A service's database and cache, with every call bounded by a timeout that suits a request waiting on it: a
/// frozen server makes a request fail with UNAVAILABLE in seconds (<see cref="GoChatAi.ServiceDefaults.Errors.DependencyFailure"/>),
/// never hang for a minute.
/// </summary>
public static class DependencyExtensions
{
    /// <summary>Opening a connection to PostgreSQL, unless the connection string says otherwise.</summary>
    public static readonly TimeSpan DatabaseConnectTimeout = TimeSpan.FromSeconds(3);

    /// <summary>One database command.</summary>
    public static readonly TimeSpan DatabaseCommandTimeout = TimeSpan.FromSeconds(5);

    /// <summary>A transient failure (a connection the server dropped) is tried once more, after at most this.</summary>
    public static readonly TimeSpan DatabaseRetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>Connecting to Redis, and one Redis command.</summary>
    public static readonly TimeSpan CacheTimeout = TimeSpan.FromSeconds(2);

    /// <summary>The service's DbContext (pooled, traced, health-checked by Aspire) on the <paramref name="connectionName"/> database.</summary>
    public static IHostApplicationBuilder AddDatabase<TContext>(this IHostApplicationBuilder builder, string connectionName)
        where TContext : DbContext
    {
        builder.AddNpgsqlDbContext<TContext>(connectionName,
            settings =>
            {
                settings.CommandTimeout ??= (int)DatabaseCommandTimeout.TotalSeconds;
                // Aspire's own retries (six, up to 30 s apart) would hold a request for over a minute; one is configured below.
                settings.DisableRetry = true;
                if (settings.ConnectionString is { } connectionString
                    && !connectionString.Contains("Timeout=", StringComparison.OrdinalIgnoreCase))
                {
                    settings.ConnectionString = new NpgsqlConnectionStringBuilder(connectionString)
                    {
                        Timeout = (int)DatabaseConnectTimeout.TotalSeconds,
                    }.ConnectionString;
                }
            },
            options => options.UseNpgsql(npgsql => npgsql.EnableRetryOnFailure(1, DatabaseRetryDelay, errorCodesToAdd: null)));
        return builder;
    }

    /// <summary>The shared Redis connection (traced and health-checked by Aspire) of the <c>cache</c> connection string.</summary>
    public static IHostApplicationBuilder AddCache(this IHostApplicationBuilder builder, string connectionName = "cache")
    {
        var timeout = (int)CacheTimeout.TotalMilliseconds;
        builder.AddRedisClient(connectionName, configureOptions: options =>
        {
            options.ConnectTimeout = timeout;
            options.SyncTimeout = timeout;
            options.AsyncTimeout = timeout;
            // Start, and keep retrying, while Redis is down: the requests that need it fail with UNAVAILABLE meanwhile.
            options.AbortOnConnectFail = false;
        });
        return builder;
    }
}
