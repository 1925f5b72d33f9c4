using GoChatAi.AuthService.Domain;
using GoChatAi.ServiceDefaults.Authentication;
using GoChatAi.ServiceDefaults.Errors;
using GoChatAi.ServiceDefaults.Operations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace GoChatAi.AuthService.Infrastructure.Revocations;

/// <summary>
/// Keeps the revocation list in Redis whole, from the database: rebuilds it when Redis comes back empty (Garnet, or
/// a Redis without persistence, forgets everything on a restart), re-applies entries whose publication failed, and
/// forgets expired entries. Until the list is rebuilt, every token check answers UNAVAILABLE (see
/// <see cref="TokenRevocationList"/>).
/// </summary>
/// <remarks>
/// <para>
/// A rebuild writes a marker, then reads the database, writes every entry and the recent deletions, and last the
/// epoch, only if the marker is still there. Why a revocation committed meanwhile is never lost:
/// </para>
/// <list type="bullet">
/// <item>committed before the rebuild reads the database: the rebuild writes it;</item>
/// <item>committed after: its own request publishes it after the commit, so after the marker was written, into the
/// same Redis as the marker; had that Redis restarted since, the marker would be gone with it and the epoch refused
/// (and the rebuild started again);</item>
/// <item>its publication failed: the request asked for a re-apply, done as soon as Redis answers and the list is whole.</item>
/// </list>
/// <para>
/// Several replicas may rebuild at once: entries are written idempotently, and each rebuild's epoch stands only for
/// what that rebuild wrote. A replica that died between a commit and its publication is covered by the re-apply
/// every replica makes at start-up and every <see cref="SweepInterval"/>.
/// </para>
/// </remarks>
public sealed partial class RevocationListWatcher(
    IConnectionMultiplexer redis,
    TokenRevocationList revocationList,
    IServiceScopeFactory scopeFactory,
    DatabaseReadiness<AuthDbContext> readiness,
    TimeProvider timeProvider,
    ILogger<RevocationListWatcher> logger) : BackgroundService, IHealthCheck
{
    /// <summary>How often Redis is checked for the epoch: also the longest a restarted Redis refuses tokens once it answers.</summary>
    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);

    /// <summary>How often every entry is re-applied anyway, and expired ones are deleted from the database.</summary>
    public static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Deletions re-published by a re-apply (a rebuild re-publishes all of <see cref="DeletedUser.RetentionPeriod"/>);
    /// an id published again costs the ChatService one delete that finds nothing.
    /// </summary>
    private static readonly TimeSpan s_recentDeletions = TimeSpan.FromHours(1);

    /// <summary>A failure shorter than 10 s (Redis still connecting at start-up, a blip) is not worth a warning.</summary>
    private readonly FailureStreak _failures = new(timeProvider, TimeSpan.FromSeconds(10));

    // 1 when entries may be missing from Redis although the epoch is there. Set at start, for entries a previous
    // process committed and never published.
    private int _reapplyRequested = 1;
    private volatile bool _checked;
    private bool _seenWhole;
    private DateTimeOffset _nextSweep;

    /// <summary>Asks for every entry to be written to Redis again (a publication failed).</summary>
    public void RequestReapply() => Interlocked.Exchange(ref _reapplyRequested, 1);

    /// <summary>Healthy once the list has been checked (and built if it had to be): the startup probe waits for it.</summary>
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_checked ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("The token revocation list has not been checked yet."));

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // A Redis that restarted from a persisted snapshot has an epoch but may lack the latest entries.
        redis.ConnectionRestored += OnConnectionRestored;
        return base.StartAsync(cancellationToken);
    }

    public override void Dispose()
    {
        redis.ConnectionRestored -= OnConnectionRestored;
        base.Dispose();
    }

    /// <summary>Adds user ids to the set the other services delete users' data from.</summary>
    internal static async Task PublishDeletedUsersAsync(IConnectionMultiplexer redis, IReadOnlyCollection<Guid> userIds)
    {
        foreach (var chunk in userIds.Chunk(1000))
        {
            await redis.GetDatabase().SetAddAsync(DeletedUsers.RedisKey, [.. chunk.Select(id => (RedisValue)id.ToString())]);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The tables may not exist before the migrations are applied. The first check follows them at once: the
        // startup probe waits for it.
        await readiness.WhenReadyAsync(stoppingToken);

        using var timer = new PeriodicTimer(CheckInterval, timeProvider);
        do
        {
            try
            {
                await CheckAsync(stoppingToken);
                NoteSuccess();
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                NoteFailure(exception);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task CheckAsync(CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var sweep = now >= _nextSweep;
        // The request is cleared before the database is read: a publication that failed before this point was
        // committed before that read, so the read finds it; one that fails later asks again.
        if (!await revocationList.IsBuiltAsync())
        {
            Interlocked.Exchange(ref _reapplyRequested, 0);
            if (!await WithReapplyOnFailureAsync(() => RebuildAsync(cancellationToken)))
            {
                return;
            }
        }
        else if (Interlocked.Exchange(ref _reapplyRequested, 0) == 1 || sweep)
        {
            await WithReapplyOnFailureAsync(async () =>
            {
                await PublishAllAsync(s_recentDeletions, cancellationToken);
                return true;
            });
        }

        _seenWhole = true;
        _checked = true;
        if (sweep)
        {
            await PruneAsync(cancellationToken);
            _nextSweep = now + SweepInterval;
        }
    }

    /// <summary>Rebuilds the list; false when Redis restarted meanwhile and the next check must start again.</summary>
    private async Task<bool> RebuildAsync(CancellationToken cancellationToken)
    {
        var rebuildId = await revocationList.BeginRebuildAsync();
        var (entries, deletions) = await PublishAllAsync(DeletedUser.RetentionPeriod, cancellationToken);
        if (!await revocationList.CompleteRebuildAsync(rebuildId))
        {
            LogRebuildInterrupted(logger);
            return false;
        }

        if (_seenWhole)
        {
            LogRebuiltAfterLoss(logger, entries, deletions);
        }
        else
        {
            // The very first start, or Redis restarted while this service was down: expected, nothing to warn about.
            LogBuilt(logger, entries, deletions);
        }

        return true;
    }

    /// <summary>Writes every unexpired entry, and the deletions of the last <paramref name="deletionsSince"/>, to Redis.</summary>
    private async Task<(int Entries, int Deletions)> PublishAllAsync(TimeSpan deletionsSince, CancellationToken cancellationToken)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AuthDbContext>();
        var now = timeProvider.GetUtcNow();
        var deletedAfter = now - deletionsSince;
        // In the order they were made: should one key have been written twice, the later value is the one kept.
        var entries = await db.TokenRevocations.AsNoTracking()
            .Where(r => r.KeepUntil > now)
            .OrderBy(r => r.Id)
            .Select(r => new RevocationEntry(r.Key, r.Value, r.KeepUntil))
            .ToListAsync(cancellationToken);
        var deletions = await db.DeletedUsers.AsNoTracking()
            .Where(d => d.DeletedAt > deletedAfter)
            .Select(d => d.UserId)
            .ToListAsync(cancellationToken);

        await revocationList.ApplyAsync(entries);
        await PublishDeletedUsersAsync(redis, deletions);
        return (entries.Count, deletions.Count);
    }

    /// <summary>Forgets entries no token can outlive, and deletions older than their retention.</summary>
    private async Task PruneAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AuthDbContext>();
        var now = timeProvider.GetUtcNow();
        var deletedBefore = now - DeletedUser.RetentionPeriod;
        await db.TokenRevocations.Where(r => r.KeepUntil <= now).ExecuteDeleteAsync(cancellationToken);
        await db.DeletedUsers.Where(d => d.DeletedAt <= deletedBefore).ExecuteDeleteAsync(cancellationToken);
    }

    private async Task<bool> WithReapplyOnFailureAsync(Func<Task<bool>> publish)
    {
        try
        {
            return await publish();
        }
        catch
        {
            RequestReapply();
            throw;
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e) => RequestReapply();

    private void NoteSuccess() => _failures.Succeeded(() => LogRecovered(logger));

    private void NoteFailure(Exception exception) =>
        _failures.Failed(exception, e => LogUnexpected(logger, e), (e, dependency) => LogFailing(logger, e, dependency));

    [LoggerMessage(Level = LogLevel.Information, Message = "Built the token revocation list in Redis from the database: {Entries} entries, {Deletions} deleted users")]
    private static partial void LogBuilt(ILogger logger, int entries, int deletions);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The token revocation list was missing from Redis (it restarted empty); rebuilt it from the database: {Entries} entries, {Deletions} deleted users")]
    private static partial void LogRebuiltAfterLoss(ILogger logger, int entries, int deletions);

    [LoggerMessage(Level = LogLevel.Information, Message = "Redis restarted while the token revocation list was being rebuilt; starting again")]
    private static partial void LogRebuildInterrupted(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Keeping the token revocation list whole fails ({Dependency}); if Redis lost it, tokens are refused until it is rebuilt")]
    private static partial void LogFailing(ILogger logger, Exception exception, string dependency);

    [LoggerMessage(Level = LogLevel.Information, Message = "The token revocation list is kept whole again")]
    private static partial void LogRecovered(ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "Keeping the token revocation list whole failed unexpectedly")]
    private static partial void LogUnexpected(ILogger logger, Exception exception);
}
