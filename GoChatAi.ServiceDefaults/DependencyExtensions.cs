using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql.EntityFrameworkCore.PostgreSQL;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// A service's database and cache, with every call bounded by a timeout that suits a request waiting on it: a
/// frozen server makes a request fail with UNAVAILABLE in seconds (<see cref="GoChatAi.ServiceDefaults.Errors.DependencyFailure"/>),
/// never hang for a minute.
/// </summary>
public static class DependencyExtensions
{
    /// <summary>One database command.</summary>
    public static readonly TimeSpan DatabaseCommandTimeout = TimeSpan.FromSeconds(5);

    /// <summary>A transient failure (a connection the server dropped) is tried once more, after at most this.</summary>
    public static readonly TimeSpan DatabaseRetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Connecting to Redis, and one Redis command from the moment it is queued: long enough for a burst of thousands
    /// of commands to drain on a busy machine, short enough that a frozen server fails a request in seconds.
    /// </summary>
    public static readonly TimeSpan CacheTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The service's DbContext (pooled, traced, health-checked by Aspire) on the <paramref name="connectionName"/> database.</summary>
    public static IHostApplicationBuilder AddDatabase<TContext>(this IHostApplicationBuilder builder, string connectionName)
        where TContext : DbContext
    {
        builder.AddNpgsqlDbContext<TContext>(connectionName,
            settings =>
            {
                settings.CommandTimeout ??= (int)DatabaseCommandTimeout.TotalSeconds;
                // Aspire's own retries (six, up to 30 s apart) would hold a request for over a minute; ours are below.
                settings.DisableRetry = true;
            },
            // (The connection string's Timeout, 15 s by default, bounds both a new connection and the wait for a pooled
            // one: a burst of requests queues for the pool rather than failing.)
            options => options.UseNpgsql(npgsql => npgsql.ExecutionStrategy(dependencies => new DatabaseRetries(dependencies))));
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
            // Replies are handled on the .NET thread pool, where the awaiting code runs anyway, rather than handed
            // over from the client's own dedicated threads: one thread switch less per command, and no threads
            // spinning for work on a machine with few cores.
            options.SocketManager = StackExchange.Redis.SocketManager.ThreadPool;
        });
        return builder;
    }

    /// <summary>
    /// One more try after a transient failure such as a connection the server dropped when it restarted, but not
    /// after a timeout: a server that did not answer in time would make the caller wait as long again.
    /// </summary>
    private sealed class DatabaseRetries(ExecutionStrategyDependencies dependencies)
        : NpgsqlRetryingExecutionStrategy(dependencies, maxRetryCount: 1, DatabaseRetryDelay, errorCodesToAdd: null)
    {
        protected override bool ShouldRetryOn(Exception? exception) =>
            base.ShouldRetryOn(exception) && !IsTimeout(exception);

        private static bool IsTimeout(Exception? exception) =>
            exception is not null && (exception is TimeoutException || IsTimeout(exception.InnerException));
    }
}
