namespace GoChatAi.AppHost;

/// <summary>What the dashboard offers a person for each service, and what the service says of its own addresses.</summary>
public static class ServiceLinks
{
    /// <summary>The services' API reference page (ApiDocumentationExtensions.DocsPath), served in Development.</summary>
    public const string DocsPath = "/docs";

    /// <summary>
    /// The resource list shows two links for a service: its API reference page first, then its REST root. Every other
    /// address is listed only in the resource's details: the gRPC endpoint (HTTP/2 without TLS, which a browser cannot
    /// speak: it answers 400), for grpcurl, and the machine-name variants Aspire adds for endpoints that listen on
    /// every interface. The service is told the addresses its endpoints have behind the AppHost's proxy, so that its
    /// start-up log line names the ones to use.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithServiceLinks(this IResourceBuilder<ProjectResource> service)
    {
        if (!service.ApplicationBuilder.ExecutionContext.IsRunMode)
        {
            return service;
        }

        return service
            .WithUrls(context =>
            {
                var rest = context.Urls.FirstOrDefault(url => url.Endpoint?.EndpointName == "http");
                foreach (var url in context.Urls.Where(url => url.Endpoint is not null && url != rest))
                {
                    url.DisplayLocation = UrlDisplayLocation.DetailsOnly;
                    if (url.Endpoint!.EndpointName == "grpc")
                    {
                        url.DisplayText = "gRPC (grpcurl, not a browser)";
                    }
                }

                if (rest is null)
                {
                    return;
                }

                var root = new Uri(rest.Url);
                context.Urls.Add(new ResourceUrlAnnotation { Url = root.ToString(), DisplayText = "REST", Endpoint = rest.Endpoint });
                rest.Url = new Uri(root, DocsPath).ToString();
                rest.DisplayText = "API docs";
            })
            .WithEnvironment("ServiceAddresses__Rest", service.GetEndpoint("http"))
            .WithEnvironment("ServiceAddresses__Grpc", service.GetEndpoint("grpc"));
    }
}
