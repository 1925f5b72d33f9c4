#pragma warning disable ASPIREPROBES001 // Probes are how Aspire's Kubernetes and Container Apps publishers learn the services' health endpoints.

namespace GoChatAi.AppHost;

/// <summary>
/// What every GoChatAi service resource declares about its health and its shutdown, as the dashboard and the
/// deployment tools read it. The probes are annotations that Aspire's Kubernetes and Azure Container Apps publishers
/// turn into probes; the JSON manifest (what azd and aspirate read) has no field for probes or for the termination
/// grace period, so the README lists these values for whoever writes the deployment.
/// </summary>
public static class ServiceProbes
{
    /// <summary>
    /// How long a stopping replica is given before it is killed: the drain delay (readiness is false while load
    /// balancers notice) plus the grace period for calls in flight, plus a margin.
    /// </summary>
    public const int TerminationGracePeriodSeconds = 45;

    /// <summary>What the services do on SIGTERM, stated in the manifest so that it matches <see cref="TerminationGracePeriodSeconds"/>.</summary>
    public const string DrainDelay = "00:00:05";
    public const string GracePeriod = "00:00:30";

    /// <summary>A probe waits this long: the services answer every probe within 1.5 s, whatever a dependency does.</summary>
    public const int ProbeTimeoutSeconds = 3;

    /// <summary>
    /// The dashboard (and WaitFor) follows the probes as health checks; deployments get liveness, readiness and startup
    /// probes on the REST endpoint, and only the bindings they listen on (<see cref="PlainHttpBindings"/>).
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithServiceHealth(this IResourceBuilder<ProjectResource> service)
    {
        // Startup: up to 3 minutes (90 × 2 s) for the schema check and the seeders, which wait for the migration step.
        // Liveness: the process answers; 3 misses 10 s apart restart it. Readiness: every dependency answers; 2 misses
        // 5 s apart take the replica out of the load balancer. Each probe is also a health check that the dashboard
        // shows and WaitFor waits on.
        service
            .WithHttpProbe(ProbeType.Startup, "/health/startup", initialDelaySeconds: 0, periodSeconds: 2,
                timeoutSeconds: ProbeTimeoutSeconds, failureThreshold: 90, endpointName: "http")
            .WithHttpProbe(ProbeType.Liveness, "/health/live", initialDelaySeconds: 0, periodSeconds: 10,
                timeoutSeconds: ProbeTimeoutSeconds, failureThreshold: 3, endpointName: "http")
            .WithHttpProbe(ProbeType.Readiness, "/health/ready", initialDelaySeconds: 0, periodSeconds: 5,
                timeoutSeconds: ProbeTimeoutSeconds, failureThreshold: 2, endpointName: "http");

        service.WithPlainHttpOnly();
        if (service.ApplicationBuilder.ExecutionContext.IsPublishMode)
        {
            service
                .WithEnvironment("Shutdown__DrainDelay", DrainDelay)
                .WithEnvironment("Shutdown__GracePeriod", GracePeriod);
        }

        return service;
    }
}
