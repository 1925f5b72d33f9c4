using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using GoChatAi.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Reflection.V1Alpha;

namespace GoChatAi.Tests.EndToEnd;

/// <summary>
/// The AuthService started the way production starts it: Production environment, configuration from the
/// environment only, against the collection's real PostgreSQL and Redis. It serves, logs JSON lines and keeps
/// gRPC reflection off.
/// </summary>
[Collection(GoChatAiAppCollection.Name)]
public sealed class ProductionModeTests(GoChatAiAppFixture fixture)
{
    private const string CorrelationId = "production-mode-test-7";

    [Fact]
    public async Task The_auth_service_in_production_serves_logs_json_and_hides_reflection()
    {
        await using var service = await ProductionAuthService.StartAsync(
            fixture, await fixture.App.GetConnectionStringAsync("authdb"), "a production signing key password");
        var (httpPort, grpcPort) = (service.HttpPort, service.GrpcPort);
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
            await HttpPolling.UntilStatusAsync(http, "/health/ready", HttpStatusCode.OK);

            var discovery = await http.GetStringAsync("/.well-known/openid-configuration");
            Assert.Contains("jwks_uri", discovery, StringComparison.Ordinal);

            // The API documentation is for development: production serves neither the document nor its page, and
            // its root points to none.
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/openapi/v1.json")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/docs")).StatusCode);
            using (var root = JsonDocument.Parse(await http.GetStringAsync("/")))
            {
                Assert.Equal(JsonValueKind.Null, root.RootElement.GetProperty("docs").ValueKind);
            }

            // A request that logs (a sign-up writes a security event) under a correlation id of the caller's.
            using var signUp = new HttpRequestMessage(HttpMethod.Post, "/v1/auth/signup")
            {
                Content = System.Net.Http.Json.JsonContent.Create(new { name = "Prod", email = TestAccounts.NewEmail(), password = TestAccounts.Password }),
            };
            signUp.Headers.Add("X-Correlation-ID", CorrelationId);
            Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(signUp)).StatusCode);

            using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}");
            using var reflection = new ServerReflection.ServerReflectionClient(channel).ServerReflectionInfo();
            // The service refuses the method as soon as the call starts, before any request message: only the answer is
            // read (a write could meet the stream already reset, and fail as Cancelled instead).
            var hidden = await Assert.ThrowsAsync<RpcException>(() => reflection.ResponseStream.MoveNext(CancellationToken.None));
            Assert.Equal(StatusCode.Unimplemented, hidden.StatusCode);
        }
        finally
        {
            await service.StopAsync();
        }

        string[] logged = [.. service.Lines.Where(l => l.Length > 0)];

        Assert.NotEmpty(logged);
        Assert.All(logged, line =>
        {
            using var entry = JsonDocument.Parse(line);
            Assert.True(entry.RootElement.TryGetProperty("Timestamp", out _), line);
            Assert.True(entry.RootElement.TryGetProperty("LogLevel", out _), line);
        });

        // Once it listens, the service says where: the address it was given, as configured.
        Assert.Contains(logged, line => line.Contains($"serves REST on http://127.0.0.1:{httpPort} and gRPC on http://127.0.0.1:{grpcPort}", StringComparison.Ordinal));

        // The sign-up's log line carries the correlation id and the trace id, and never the password.
        var requestLine = Assert.Single(logged, line => line.Contains(CorrelationId, StringComparison.Ordinal) && line.Contains("sign_up", StringComparison.Ordinal));
        Assert.Contains("\"TraceId\"", requestLine, StringComparison.Ordinal);
        Assert.DoesNotContain(logged, line => line.Contains(TestAccounts.Password, StringComparison.Ordinal));
    }
}
