using System.Net;
using GoChatAi.Tests.Infrastructure;

namespace GoChatAi.Tests.EndToEnd;

/// <summary>A service whose database or cache goes away turns not-ready, and ready again by itself when it returns.</summary>
[Collection(GoChatAiAppCollection.Name)]
public sealed class DependencyOutageTests(GoChatAiAppFixture fixture)
{
    [Theory]
    [InlineData("postgres")]
    [InlineData("garnet-or-redis")]
    public async Task Services_turn_not_ready_while_a_dependency_is_down_and_recover_when_it_returns(string dependency)
    {
        var resource = dependency == "postgres" ? "postgres" : CacheServer.ResourceName(fixture);
        using var auth = fixture.CreateRestClient("authservice");
        using var chat = fixture.CreateRestClient("chatservice");

        var server = new ResourceProcesses(fixture, resource);
        await server.StopAsync();
        try
        {
            await HttpPolling.UntilStatusAsync(auth, "/health/ready", HttpStatusCode.ServiceUnavailable);
            await HttpPolling.UntilStatusAsync(chat, "/health/ready", HttpStatusCode.ServiceUnavailable);

            // Liveness is about the process: Kubernetes must not restart a service because its database is down.
            Assert.Equal(HttpStatusCode.OK, (await auth.GetAsync("/health/live")).StatusCode);
        }
        finally
        {
            await server.StartAsync();
        }

        await HttpPolling.UntilStatusAsync(auth, "/health/ready", HttpStatusCode.OK);
        await HttpPolling.UntilStatusAsync(chat, "/health/ready", HttpStatusCode.OK);
    }
}
