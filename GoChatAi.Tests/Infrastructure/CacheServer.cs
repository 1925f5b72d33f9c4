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
        var name = ResourceName(fixture);
        await fixture.App.ResourceCommands.ExecuteCommandAsync(name, KnownResourceCommands.StopCommand).WaitAsync(GoChatAiAppFixture.StepTimeout);
        // Started again only once the old process is gone, or the new one may find its port still taken.
        await fixture.App.ResourceNotifications.WaitForResourceAsync(name, KnownResourceStates.TerminalStates).WaitAsync(GoChatAiAppFixture.StepTimeout);
        await fixture.App.ResourceCommands.ExecuteCommandAsync(name, KnownResourceCommands.StartCommand).WaitAsync(GoChatAiAppFixture.StepTimeout);
        await fixture.WaitUntilHealthyAsync(name);
    }
}
