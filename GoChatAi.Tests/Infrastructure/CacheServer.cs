using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace GoChatAi.Tests.Infrastructure;

/// <summary>The collection's Redis-protocol server (redis-server, or Garnet), which forgets everything when it restarts.</summary>
public static class CacheServer
{
    public static string ResourceName(GoChatAiAppFixture fixture) =>
        fixture.App.Services.GetRequiredService<DistributedApplicationModel>().Resources
            .Single(r => r.Name is "redis" or "garnet").Name;

    /// <summary>Stops the server and starts it again, empty, and waits until it answers.</summary>
    public static async Task RestartAsync(GoChatAiAppFixture fixture)
    {
        var server = new ResourceProcesses(fixture, ResourceName(fixture));
        await server.StopAsync();
        await server.StartAsync();
    }
}
