using Npgsql;
using StackExchange.Redis;

namespace GoChatAi.ServiceDefaults.Errors;

/// <summary>
/// The one classification of failures of what a service depends on: its database and the cache. Wherever one is
/// met (a use case, the token check, a probe, a background job), the caller gets UNAVAILABLE (HTTP 503) with a
/// retry hint; only the log names the dependency.
/// </summary>
public static class DependencyFailure
{
    public const string Database = "PostgreSQL";
    public const string Cache = "Redis";

    /// <summary>How long a caller is asked to wait before trying again.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(2);

    /// <summary>The dependency whose failure <paramref name="exception"/> is (or wraps), or null when it is none.</summary>
    public static string? Of(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case DependencyUnavailableException unavailable:
                    return unavailable.Dependency;
                // RedisTimeoutException is a TimeoutException, not a RedisException.
                case RedisException or RedisTimeoutException:
                    return Cache;
                // A server error is the database's failure only when it is transient (shutdown, too many
                // connections); a constraint violation is the request's.
                case PostgresException postgres:
                    return postgres.IsTransient ? Database : null;
                // Connecting, reading or a command timeout.
                case NpgsqlException:
                    return Database;
                // StackExchange.Redis reports some connection states (a multiplexer that is not connected yet, a
                // command that could not be queued) as plain InvalidOperationExceptions.
                case InvalidOperationException when e.Source == "StackExchange.Redis":
                    return Cache;
            }
        }

        return null;
    }

    /// <summary>What the caller is told: no dependency named, a delay to wait.</summary>
    public static ServiceException ToServiceException() =>
        new(ErrorKind.Unavailable, "A service this one depends on is unavailable; try again shortly.", retryAfter: RetryAfter);
}

/// <summary>A dependency is reachable but cannot answer yet (its state is being rebuilt): treated as its failure.</summary>
public sealed class DependencyUnavailableException(string dependency, string message) : Exception(message)
{
    public string Dependency { get; } = dependency;
}
