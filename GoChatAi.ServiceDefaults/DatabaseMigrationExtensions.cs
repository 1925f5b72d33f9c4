using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Applies a DbContext's EF Core migrations in the background at start-up, retrying until the database
/// answers, then runs the seeders. The startup probe stays red until both are done, so no request meets an old schema.
/// </summary>
/// <remarks>
/// Migrations run at start-up in Development, or wherever <c>Database:MigrateOnStartup</c> is true.
/// Elsewhere an operator applies the idempotent script (<c>dotnet ef migrations script --idempotent</c>)
/// once per release, so that several replicas never race to migrate.
/// </remarks>
public static class DatabaseMigrationExtensions
{
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
        services.AddHostedService<DatabaseMigrator<TContext>>();
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
        Task.FromResult(state.IsDone ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("Migrations pending."));
}

internal sealed partial class DatabaseMigrator<TContext>(
    IServiceScopeFactory scopeFactory,
    DatabaseReadiness<TContext> state,
    IHostEnvironment environment,
    IConfiguration configuration,
    TimeProvider timeProvider,
    ILogger<DatabaseMigrator<TContext>> logger) : BackgroundService
    where TContext : DbContext
{
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var migrate = environment.IsDevelopment() || configuration.GetValue<bool>("Database:MigrateOnStartup");
        var delay = TimeSpan.FromMilliseconds(250);
        for (var attempt = 1; !stoppingToken.IsCancellationRequested; attempt++)
        {
            try
            {
                await using var scope = scopeFactory.CreateAsyncScope();
                var context = scope.ServiceProvider.GetRequiredService<TContext>();
                if (migrate)
                {
                    // A migration may rebuild an index of a large table: far longer than a request's command may take.
                    context.Database.SetCommandTimeout(TimeSpan.FromMinutes(10));
                    await context.Database.MigrateAsync(stoppingToken);
                    LogMigrated(logger, typeof(TContext).Name);
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
                LogMigrationFailed(logger, exception, typeof(TContext).Name, attempt, delay);
                await Task.Delay(delay, timeProvider, stoppingToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxDelay.Ticks));
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Database migrations of {Context} are applied")]
    private static partial void LogMigrated(ILogger logger, string context);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Migrating {Context} failed (attempt {Attempt}); retrying in {Delay}")]
    private static partial void LogMigrationFailed(ILogger logger, Exception exception, string context, int attempt, TimeSpan delay);
}
