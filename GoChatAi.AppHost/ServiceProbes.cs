#pragma warning disable ASPIREPROBES001 // Probes are how azd and the Kubernetes publisher learn the services' health endpoints.

using Aspire.Hosting.Publishing;

namespace GoChatAi.AppHost;

/// <summary>What every GoChatAi service resource declares: its health, as the dashboard and Kubernetes read it.</summary>
public static class ServiceProbes
{
    /// <summary>
    /// The dashboard (and WaitFor) follows readiness; deployments get liveness, readiness and startup probes on the
    /// REST endpoint. The services serve plain HTTP (TLS is configured on Kestrel when wanted), so the https
    /// binding Aspire adds to web projects in a manifest by default, which nothing listens on, is left out.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithServiceHealth(this IResourceBuilder<ProjectResource> service)
    {
        // The readiness probe is also the health check the dashboard shows and WaitFor waits on.
        service
            .WithHttpProbe(ProbeType.Liveness, "/health/live", endpointName: "http")
            .WithHttpProbe(ProbeType.Readiness, "/health/ready", endpointName: "http")
            .WithHttpProbe(ProbeType.Startup, "/health/startup", endpointName: "http");

        // Publishing adds its default bindings late, just before the manifest is written.
        service.ApplicationBuilder.Eventing.Subscribe<BeforePublishEvent>((_, _) =>
        {
            foreach (var https in service.Resource.Annotations.OfType<EndpointAnnotation>().Where(e => e.Name == "https").ToList())
            {
                service.Resource.Annotations.Remove(https);
            }

            return Task.CompletedTask;
        });

        return service;
    }
}
