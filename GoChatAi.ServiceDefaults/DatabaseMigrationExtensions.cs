using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// A service's database at start-up: the service waits, in the background, until its database's schema has every
/// migration the service was built with, then runs the seeders. The startup probe (and readiness) stays red until
/// both are done, so no request meets an old schema.
/// </summary>
/// <remarks>
/// The migrations themselves are applied once per release by the migration step, the service's own binary run as
/// <c>migrate</c> (<see cref="DatabaseMigrationCommand"/>), which the AppHost runs before the services. A service
/// never migrates by itself unless <c>Database:MigrateOnStartup</c> is true (one replica, no migration step).
/// </remarks>
public static class DatabaseMigrationExtensions
{
    /// <summary>The setting that makes a service apply its migrations itself at start-up.</summary>
    public const string MigrateOnStartupKey = "Database:MigrateOnStartup";

    /// <summary>How long a migration may run: it may rebuild an index of a large table, far longer than a request's command may take.</summary>
    public static readonly TimeSpan MigrationCommandTimeout = TimeSpan.FromMinutes(10);

    public static IServiceCollection AddDatabaseMigration<TContext, TSeeder>(this IServiceCollection services)
        where TContext : DbContext
        where TSeeder : class, IDatabaseSeeder<TContext>
    {
        services.AddScoped<IDatabaseSeeder<TContext>, TSeeder>();
        return services.AddDatabaseMigration<TContext>();
    }

    public static IServiceCollection AddDatabaseMigration<TContext>(this IServiceCollection services)
        where TContext : DbContext
    {
        services.AddSingleton<DatabaseReadiness<TContext>>();
        services.AddHostedService<DatabaseSchemaCheck<TContext>>();
        services.AddHealthChecks().AddCheck<DatabaseMigrationHealthCheck<TContext>>(
            $"{typeof(TContext).Name}-migrations", tags: [Extensions.StartupTag]);
        return services;
    }
}

/// <summary>Data a database needs before the service can serve, written once its migrations are applied.</summary>
public interface IDatabaseSeeder<in TContext> where TContext : DbContext
{
    Task SeedAsync(TContext context, CancellationToken cancellationToken);
}

/// <summary>Whether a database's migrations and seeders have run: what background work waits for before its first query.</summary>
public sealed class DatabaseReadiness<TContext> where TContext : DbContext
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool IsDone => _ready.Task.IsCompleted;

    public Task WhenReadyAsync(CancellationToken cancellationToken) => _ready.Task.WaitAsync(cancellationToken);

    internal void MarkDone() => _ready.TrySetResult();
}

internal sealed class DatabaseMigrationHealthCheck<TContext>(DatabaseReadiness<TContext> state) : IHealthCheck
    where TContext : DbContext
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(state.IsDone
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy("The database's schema is not at this release's migration yet (or not checked yet)."));
}

/// <summary>
/// Waits until the database has every migration of this build (applying them first when
/// <see cref="DatabaseMigrationExtensions.MigrateOnStartupKey"/> is set), then runs the seeders. A database that
/// lacks migrations is reported in the log, with what to do, and checked again until the migration step has run.
/// </summary>
internal sealed partial class DatabaseSchemaCheck<TContext>(
    IServiceScopeFactory scopeFactory,
    DatabaseReadiness<TContext> state,
    IConfiguration configuration,
    TimeProvider timeProvider,
    ILogger<DatabaseSchemaCheck<TContext>> logger) : BackgroundService
    where TContext : DbContext
{
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(10);

    /// <summary>A database the migration step is still migrating is checked this often: the service is ready soon after.</summary>
    private static readonly TimeSpan SchemaCheckInterval = TimeSpan.FromSeconds(2);

    /// <summary>A database that stays unmigrated is reported again this often, not at every check.</summary>
    private static readonly TimeSpan ReportInterval = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var migrate = configuration.GetValue<bool>(DatabaseMigrationExtensions.MigrateOnStartupKey);
        var delay = TimeSpan.FromMilliseconds(250);
        DateTimeOffset? reported = null;
        for (var attempt = 1; !stoppingToken.IsCancellationRequested; attempt++)
        {
            try
            {
                await using var scope = scopeFactory.CreateAsyncScope();
                var context = scope.ServiceProvider.GetRequiredService<TContext>();
                if (migrate)
                {
                    context.Database.SetCommandTimeout(DatabaseMigrationExtensions.MigrationCommandTimeout);
                    await context.Database.MigrateAsync(stoppingToken);
                    LogMigrated(logger, typeof(TContext).Name);
                }
                else if (await PendingMigrationsAsync(context, stoppingToken) is { Count: > 0 } pending)
                {
                    if (reported is null || timeProvider.GetUtcNow() - reported >= ReportInterval)
                    {
                        LogNotMigrated(logger, context.Database.GetDbConnection().Database, pending.Count, string.Join(", ", pending));
                        reported = timeProvider.GetUtcNow();
                    }

                    await Task.Delay(SchemaCheckInterval, timeProvider, stoppingToken);
                    continue;
                }

                foreach (var seeder in scope.ServiceProvider.GetServices<IDatabaseSeeder<TContext>>())
                {
                    await seeder.SeedAsync(context, stoppingToken);
                }

                state.MarkDone();
                return;
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                LogStartFailed(logger, exception, typeof(TContext).Name, attempt, delay);
                await Task.Delay(delay, timeProvider, stoppingToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxDelay.Ticks));
            }
        }
    }

    /// <summary>Whether the migrations history table exists, asked without a failing query (which EF Core would log as an error).</summary>
    private const string HistoryExistsSql = "SELECT to_regclass('\"" + HistoryRepository.DefaultTableName + "\"') IS NOT NULL AS \"Value\"";

    /// <summary>The migrations of this build that the database lacks: all of them when it does not exist or was never migrated.</summary>
    private static async Task<List<string>> PendingMigrationsAsync(TContext context, CancellationToken cancellationToken)
    {
        if (!await context.GetService<IRelationalDatabaseCreator>().ExistsAsync(cancellationToken)
            || !await context.Database.SqlQueryRaw<bool>(HistoryExistsSql).SingleAsync(cancellationToken))
        {
            return [.. context.Database.GetMigrations()];
        }

        return [.. await context.Database.GetPendingMigrationsAsync(cancellationToken)];
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Database migrations of {Context} are applied")]
    private static partial void LogMigrated(ILogger logger, string context);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The database {Database} lacks {Count} migration(s) of this release ({Migrations}): " +
        "the service stays not ready until they are applied. Run the migration step (this service's binary with the argument 'migrate', " +
        "which the AppHost runs as '<database>-migrations'), or set Database__MigrateOnStartup=true on a single replica.")]
    private static partial void LogNotMigrated(ILogger logger, string database, int count, string migrations);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Checking the database of {Context} failed (attempt {Attempt}); retrying in {Delay}")]
    private static partial void LogStartFailed(ILogger logger, Exception exception, string context, int attempt, TimeSpan delay);
}
