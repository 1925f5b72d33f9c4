using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace GoChatAi.ServiceDefaults.Operations;

/// <summary>
/// On SIGTERM readiness turns false first, then the service waits <c>Shutdown:DrainDelay</c> (so that Kubernetes
/// stops routing to it) before it stops taking requests; in-flight calls then have <c>Shutdown:GracePeriod</c>
/// to finish. Work that must outlive the drain (running answers) waits for <see cref="DrainAsync"/> before it stops.
/// </summary>
public sealed class GracefulShutdown(IConfiguration configuration, IHostEnvironment environment, TimeProvider timeProvider)
    : IHostedLifecycleService, IHealthCheck
{
    private readonly Lock _gate = new();
    private volatile Task? _drain;

    public bool IsStopping => _drain is not null;

    /// <summary>Turns readiness false and waits the drain delay; every caller waits for the same, once.</summary>
    public Task DrainAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _drain ??= DrainCoreAsync();
        }

        return _drain.WaitAsync(cancellationToken);
    }

    // Hosted services stop in the reverse order of their registration, so this may be asked after a service that
    // registered later began to stop: that one calls DrainAsync itself.
    public Task StoppingAsync(CancellationToken cancellationToken) => DrainAsync(cancellationToken);

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(IsStopping ? HealthCheckResult.Unhealthy("Shutting down.") : HealthCheckResult.Healthy());

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task DrainCoreAsync()
    {
        var drain = configuration.GetValue("Shutdown:DrainDelay", environment.IsDevelopment() ? TimeSpan.Zero : TimeSpan.FromSeconds(5));
        if (drain > TimeSpan.Zero)
        {
            await Task.Delay(drain, timeProvider);
        }
    }
}
