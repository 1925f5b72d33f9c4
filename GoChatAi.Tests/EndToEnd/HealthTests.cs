using System.Net;
using GoChatAi.Tests.Infrastructure;
using Grpc.Health.V1;

namespace GoChatAi.Tests.EndToEnd;

[Collection(GoChatAiAppCollection.Name)]
public sealed class HealthTests(GoChatAiAppFixture fixture)
{
    public static TheoryData<string, string> Probes => new()
    {
        { "authservice", "/health/live" },
        { "authservice", "/health/ready" },
        { "authservice", "/health/startup" },
        { "chatservice", "/health/live" },
        { "chatservice", "/health/ready" },
        { "chatservice", "/health/startup" },
        // The Go system's routes, kept for its monitors.
        { "authservice", "/health" },
        { "authservice", "/v1/health" },
        { "chatservice", "/health" },
        { "chatservice", "/v1/health" },
    };

    [Theory]
    [MemberData(nameof(Probes))]
    public async Task Probe_answers_healthy_and_tells_nothing_internal(string service, string path)
    {
        using var client = fixture.CreateRestClient(service);

        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("authservice")]
    [InlineData("chatservice")]
    public async Task Grpc_health_service_answers_serving(string service)
    {
        var client = new Health.HealthClient(fixture.CreateGrpcChannel(service));

        var response = await client.CheckAsync(new HealthCheckRequest());

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
    }
}
