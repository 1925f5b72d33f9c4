using Aspire.Hosting.Publishing;

namespace GoChatAi.AppHost;

/// <summary>The bindings a project gets: only the ones it listens on, which are plain HTTP.</summary>
public static class PlainHttpBindings
{
    /// <summary>
    /// The services and the stand-in serve plain HTTP (TLS is configured on Kestrel when wanted), so the https binding
    /// Aspire adds to web projects in a manifest by default, on the same port, where nothing speaks TLS, is left out,
    /// and no development certificate is given to them: without it, a machine that has no trusted one (every fresh
    /// one) would be warned at every start about a certificate nothing uses.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithPlainHttpOnly(this IResourceBuilder<ProjectResource> project)
    {
        project.WithoutServerCertificate();

        // Publishing adds its default bindings late, just before the manifest is written.
        project.ApplicationBuilder.Eventing.Subscribe<BeforePublishEvent>((_, _) =>
        {
            foreach (var https in project.Resource.Annotations.OfType<EndpointAnnotation>().Where(e => e.Name == "https").ToList())
            {
                project.Resource.Annotations.Remove(https);
            }

            return Task.CompletedTask;
        });

        return project;
    }

    /// <summary>A resource that serves no TLS: Aspire gives it no development certificate, and warns about none.</summary>
    public static IResourceBuilder<T> WithoutServerCertificate<T>(this IResourceBuilder<T> resource)
        where T : IResourceWithEnvironment, IResourceWithArgs
    {
#pragma warning disable ASPIRECERTIFICATES001 // Experimental in Aspire 13.6: the only way to say a resource needs no certificate.
        return resource.WithoutHttpsCertificate();
#pragma warning restore ASPIRECERTIFICATES001
    }
}
