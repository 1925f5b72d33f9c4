using GoChatAi.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Reflection.V1Alpha;

namespace GoChatAi.Tests.EndToEnd;

/// <summary>The contracts are what the services serve: reflection (on in Development) lists them.</summary>
[Collection(GoChatAiAppCollection.Name)]
public sealed class ApiSurfaceTests(GoChatAiAppFixture fixture)
{
    [Theory]
    [InlineData("authservice", "gochatai.auth.v1.AuthService", "gochatai.auth.v1.UserService")]
    [InlineData("chatservice", "gochatai.chat.v1.ChatService")]
    public async Task Grpc_reflection_lists_the_services_of_the_contracts(string service, params string[] expected)
    {
        var client = new ServerReflection.ServerReflectionClient(fixture.CreateGrpcChannel(service));
        using var call = client.ServerReflectionInfo();

        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var listed = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();

        Assert.All(expected, name => Assert.Contains(name, listed));
        Assert.Contains("grpc.health.v1.Health", listed);
    }
}
