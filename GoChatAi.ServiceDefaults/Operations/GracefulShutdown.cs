using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace GoChatAi.ServiceDefaults.Operations;

/// <summary>
/// On SIGTERM readiness turns false first, then the service waits <c>Shutdown:DrainDelay</c> (so that Kubernetes
/// stops routing to it) before it stops taking requests; in-flight calls then have <c>Shutdown:GracePeriod</c>
/// to finish.
/// </summary>
public sealed class GracefulShutdown(IConfiguration configuration, IHostEnvironment environment, TimeProvider timeProvider)
    : IHostedLifecycleService, IHealthCheck
{
    private volatile bool _stopping;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        var drain = configuration.GetValue("Shutdown:DrainDelay", environment.IsDevelopment() ? TimeSpan.Zero : TimeSpan.FromSeconds(5));
        if (drain > TimeSpan.Zero)
        {
            await Task.Delay(drain, timeProvider, cancellationToken);
        }
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_stopping ? HealthCheckResult.Unhealthy("Shutting down.") : HealthCheckResult.Healthy());

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
