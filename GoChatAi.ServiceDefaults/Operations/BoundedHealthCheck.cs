using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace GoChatAi.ServiceDefaults.Operations;

/// <summary>
/// A health check that answers within its time, even when the check it wraps waits on a frozen server. The wrapped
/// check runs in a scope of its own, kept until it ends: left behind, it must not have its services (a pooled
/// DbContext in the middle of connecting) disposed under it.
/// </summary>
internal sealed class BoundedHealthCheck(IServiceScopeFactory scopes, Func<IServiceProvider, IHealthCheck> factory, TimeSpan timeout) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            return await RunAsync(context, cancellationToken).WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"No answer within {timeout.TotalSeconds:0.#} s.");
        }
    }

    private async Task<HealthCheckResult> RunAsync(HealthCheckContext context, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        try
        {
            return await factory(scope.ServiceProvider).CheckHealthAsync(context, cancellationToken);
        }
        catch (Exception exception)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, exception: exception);
        }
    }
}
