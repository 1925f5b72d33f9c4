using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The migration step: a service's own binary (or container image) run with the argument <c>migrate</c> creates its
/// database when it does not exist, applies the migrations the database lacks, and exits: 0 when the schema is at
/// this release, 1 when it could not get there. It is run once per release before the services start (the AppHost
/// runs it as the resource <c>&lt;database&gt;-migrations</c>, and the services wait for it to complete); the
/// services themselves only check the schema (<see cref="DatabaseMigrationExtensions"/>). Several runs at once are
/// safe: EF Core takes a lock on the database while it migrates.
/// </summary>
public static partial class DatabaseMigrationCommand
{
    /// <summary>The first argument that selects the migration step.</summary>
    public const string Verb = "migrate";

    /// <summary>How long the step waits for a database server that does not answer yet (<c>Database:MigrationWait</c>).</summary>
    public static readonly TimeSpan DefaultServerWait = TimeSpan.FromMinutes(5);

    public static bool IsRequested(string[] args) => args.Length > 0 && args[0] == Verb;

    /// <summary>Runs the migration step of <typeparamref name="TContext"/> on the <paramref name="connectionName"/> database and returns the exit code.</summary>
    public static async Task<int> RunAsync<TContext>(string[] args, string connectionName)
        where TContext : DbContext
    {
        // A web project's environment is usually given as ASPNETCORE_ENVIRONMENT (its launch profile, its container),
        // which a generic host would not read.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = args.Skip(1).ToArray(),
            EnvironmentName = Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") is { Length: > 0 } environment ? environment : null,
        });
        builder.ConfigureOpenTelemetry();
        builder.AddDatabase<TContext>(connectionName);
        builder.Services.TryAddSingleton(TimeProvider.System);

        using var host = builder.Build();
        await host.StartAsync();
        var stopping = host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DatabaseMigrationCommand).FullName!);
        var wait = builder.Configuration.GetValue("Database:MigrationWait", DefaultServerWait);
        var exitCode = await MigrateAsync<TContext>(host.Services, logger, wait, stopping);
        await host.StopAsync();
        return exitCode;
    }

    private static async Task<int> MigrateAsync<TContext>(IServiceProvider services, ILogger logger, TimeSpan wait, CancellationToken cancellationToken)
        where TContext : DbContext
    {
        var time = services.GetRequiredService<TimeProvider>();
        var started = time.GetTimestamp();
        var delay = TimeSpan.FromMilliseconds(500);
        var database = "";
        for (var attempt = 1; ; attempt++)
        {
            await using var scope = services.CreateAsyncScope();
            var context = scope.ServiceProvider.GetRequiredService<TContext>();
            database = context.Database.GetDbConnection().Database;
            try
            {
                context.Database.SetCommandTimeout(DatabaseMigrationExtensions.MigrationCommandTimeout);
                // Created here rather than by Migrate, which would first try the missing database and log that as an error.
                var creator = context.GetService<IRelationalDatabaseCreator>();
                if (!await creator.ExistsAsync(cancellationToken))
                {
                    await creator.CreateAsync(cancellationToken);
                    LogCreated(logger, database);
                }

                // And so is the history table, which asking for the pending migrations would otherwise query before it exists.
                await context.GetService<IHistoryRepository>().CreateIfNotExistsAsync(cancellationToken);
                var pending = (await context.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
                await context.Database.MigrateAsync(cancellationToken);
                var latest = (await context.Database.GetAppliedMigrationsAsync(cancellationToken)).LastOrDefault() ?? "none";
                var now = pending.Count == 0 ? "none" : string.Join(", ", pending);
                var elapsed = time.GetElapsedTime(started);
                LogMigrated(logger, database, pending.Count, now, latest, elapsed);
                return 0;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                LogCancelled(logger, database);
                return 1;
            }
            catch (Exception exception) when (IsTransient(exception) && time.GetElapsedTime(started) + delay < wait)
            {
                var reason = exception.GetBaseException().Message;
                LogServerNotReady(logger, database, reason, attempt, delay);
            }
            catch (Exception exception)
            {
                LogFailed(logger, exception, database);
                return 1;
            }

            try
            {
                await Task.Delay(delay, time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                LogCancelled(logger, database);
                return 1;
            }

            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
        }
    }

    /// <summary>A server that is starting, restarting or not reachable yet: worth waiting for, unlike a refused login or a failed migration.</summary>
    private static bool IsTransient(Exception? exception) => exception switch
    {
        null => false,
        NpgsqlException npgsql => npgsql.IsTransient,
        RetryLimitExceededException or InvalidOperationException or DbUpdateException => IsTransient(exception.InnerException),
        _ => false,
    };

    [LoggerMessage(Level = LogLevel.Information,
        Message = "The database {Database} is migrated: {Count} migration(s) applied now ({Migrations}); its schema is at {Latest} ({Elapsed})")]
    private static partial void LogMigrated(ILogger logger, string database, int count, string migrations, string latest, TimeSpan elapsed);

    [LoggerMessage(Level = LogLevel.Information, Message = "The database {Database} did not exist: created it")]
    private static partial void LogCreated(ILogger logger, string database);

    [LoggerMessage(Level = LogLevel.Information, Message = "The database server of {Database} does not answer yet ({Reason}, attempt {Attempt}); trying again in {Delay}")]
    private static partial void LogServerNotReady(ILogger logger, string database, string reason, int attempt, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Error, Message = "Migrating the database {Database} failed: the services stay not ready until it succeeds")]
    private static partial void LogFailed(ILogger logger, Exception exception, string database);

    [LoggerMessage(Level = LogLevel.Error, Message = "Migrating the database {Database} was stopped before it ended")]
    private static partial void LogCancelled(ILogger logger, string database);
}
