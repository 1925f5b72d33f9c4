using System.Collections.Concurrent;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace GoChatAi.ServiceDefaults.Operations;

/// <summary>
/// Whether every startup check (tagged <c>startup</c>: the database's schema, the revocation list) has passed once.
/// Until then a failing check is the startup probe doing its job, not an error, although the health check service
/// would log each failure as one, for every probe the AppHost or a load balancer sends meanwhile. So its log is held
/// back until the service has started; afterwards every failing check is logged as before.
/// </summary>
internal sealed class StartupChecks
{
    /// <summary>The category under which ASP.NET Core's health check service logs each failing check.</summary>
    public const string HealthCheckServiceCategory = "Microsoft.Extensions.Diagnostics.HealthChecks.DefaultHealthCheckService";

    private readonly ConcurrentDictionary<string, bool> _pending = new(StringComparer.Ordinal);
    private volatile bool _known;
    private volatile bool _passed;

    /// <summary>True once every startup check has reported Healthy at least once.</summary>
    public bool HavePassed => _passed;

    /// <summary>The startup checks, once the health check registrations are known.</summary>
    public void Expect(IEnumerable<string> names)
    {
        foreach (var name in names)
        {
            _pending.TryAdd(name, true);
        }

        _known = true;
        _passed = _pending.IsEmpty;
    }

    public void Report(string name, HealthStatus status)
    {
        if (status == HealthStatus.Healthy && _pending.TryRemove(name, out _) && _known && _pending.IsEmpty)
        {
            _passed = true;
        }
    }

    /// <summary>The health check service logs only warnings and errors, and only once the service has started.</summary>
    public bool ShouldLog(LogLevel level) => _passed && level >= LogLevel.Warning;
}

/// <summary>A startup check that tells <see cref="StartupChecks"/> how it went.</summary>
internal sealed class ReportingStartupCheck(IHealthCheck check, StartupChecks startup) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var result = await check.CheckHealthAsync(context, cancellationToken);
        startup.Report(context.Registration.Name, result.Status);
        return result;
    }
}
