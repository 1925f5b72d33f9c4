using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;
using Npgsql.EntityFrameworkCore.PostgreSQL;
using OpenTelemetry.Trace;

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

    /// <summary>How often the Redis commands traced since the last time become spans (the tracing's default is 10 s).</summary>
    public static readonly TimeSpan CacheTraceFlushInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The most connections a service keeps to its database unless its connection string says otherwise. Npgsql's
    /// default of 100 per service is PostgreSQL's whole default max_connections: under a burst the pools of two
    /// services asked for more than the server had, and connections were made and dropped again (575 new
    /// connections, about 1.5 s each, in one run of 1,000 answers started at once; 24 with this bound). A few
    /// dozen busy connections are as many as a database server on a handful of cores can serve at once; the
    /// rest of a burst waits its turn in the pool.
    /// </summary>
    public const int DefaultMaxPoolSize = 32;

    /// <summary>
    /// How many statements each connection keeps prepared on the server unless its connection string says otherwise:
    /// a statement run five times is prepared, and PostgreSQL then skips parsing and planning it. The hot path is a
    /// handful of statements run thousands of times; parsing and planning them took about as much of the database
    /// server's CPU as running them (a GetHistory page: about 1 ms of postgres CPU each before).
    /// </summary>
    public const int DefaultMaxAutoPrepare = 64;

    /// <summary>The service's DbContext (pooled, traced, health-checked by Aspire) on the <paramref name="connectionName"/> database.</summary>
    public static IHostApplicationBuilder AddDatabase<TContext>(this IHostApplicationBuilder builder, string connectionName)
        where TContext : DbContext
    {
        builder.AddNpgsqlDbContext<TContext>(connectionName,
            settings =>
            {
                settings.CommandTimeout ??= (int)DatabaseCommandTimeout.TotalSeconds;
                settings.ConnectionString = WithDefaults(settings.ConnectionString);
                // Aspire's own retries (six, up to 30 s apart) would hold a request for over a minute; ours are below.
                settings.DisableRetry = true;
            },
            // (The connection string's Timeout, 15 s by default, bounds both a new connection and the wait for a pooled
            // one: a burst of requests queues for the pool rather than failing.)
            options => options.UseNpgsql(npgsql => npgsql.ExecutionStrategy(dependencies => new DatabaseRetries(dependencies))));
        return builder;
    }

    /// <summary>The connection string with a bounded pool and prepared statements, where it does not set them itself.</summary>
    private static string? WithDefaults(string? connectionString)
    {
        if (connectionString is null)
        {
            return null;
        }

        // The plain builder knows only the keys the string holds (Npgsql's knows every key it supports).
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        var result = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        if (!given.ContainsKey("Maximum Pool Size") && !given.ContainsKey("Max Pool Size") && !given.ContainsKey("MaxPoolSize"))
        {
            result.MaxPoolSize = DefaultMaxPoolSize;
        }

        if (!given.ContainsKey("Max Auto Prepare") && !given.ContainsKey("MaxAutoPrepare"))
        {
            result.MaxAutoPrepare = DefaultMaxAutoPrepare;
        }

        return result.ConnectionString;
    }

    /// <summary>The shared Redis connection (traced, and health-checked by Aspire) of the <c>cache</c> connection string.</summary>
    public static IHostApplicationBuilder AddCache(this IHostApplicationBuilder builder, string connectionName = "cache")
    {
        var timeout = (int)CacheTimeout.TotalMilliseconds;
        builder.AddRedisClient(connectionName, settings => settings.DisableTracing = true, options =>
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

        // Traced by OpenTelemetry's own Redis instrumentation rather than Aspire's copy of it, whose options cannot be
        // set. It keeps each command it profiles in memory until its next flush turns it into a span: every 10 s by
        // default, which under 5,000 open answers was some 50,000 feed writes held at once (about 4 KiB a stream).
        // Flushed every second, a tenth of that.
        builder.Services.AddOpenTelemetry().WithTracing(tracing =>
            tracing.AddRedisInstrumentation(options => options.FlushInterval = CacheTraceFlushInterval));
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
