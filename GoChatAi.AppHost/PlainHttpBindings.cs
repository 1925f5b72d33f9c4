using Aspire.Hosting.Publishing;

namespace GoChatAi.AppHost;

/// <summary>The bindings a published project gets: only the ones it listens on.</summary>
public static class PlainHttpBindings
{
    /// <summary>
    /// The services and the stand-in serve plain HTTP (TLS is configured on Kestrel when wanted), so the https binding
    /// Aspire adds to web projects in a manifest by default, on the same port, where nothing speaks TLS, is left out.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithoutDefaultHttpsBinding(this IResourceBuilder<ProjectResource> project)
    {
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
}
