extern alias chatservice;

using chatservice::GoChatAi.ChatService.Domain;
using chatservice::GoChatAi.ChatService.Infrastructure.Model;
using GoChatAi.Tests.Infrastructure;
using Microsoft.Extensions.AI;

namespace GoChatAi.Tests.Unit;

/// <summary>Which SDK client the ChatService builds for a connection string (nothing is called).</summary>
public sealed class ChatClientProviderTests
{
    private static readonly ChatModel s_model = new("gpt-4o-mini", "GPT-4o mini", 128_000, 4_096, IsDefault: true);

    [Theory]
    [InlineData("Endpoint=https://example.openai.azure.com/;Key=k;Model=gpt-4o-mini", "Azure.AI.OpenAI")]
    [InlineData("Endpoint=http://localhost:8090/;Key=k;Model=gpt-4o-mini;Provider=azure", "Azure.AI.OpenAI")]
    [InlineData("Endpoint=http://localhost:11434/v1;Key=k;Model=gpt-4o-mini", "OpenAI")]
    [InlineData("Key=k;Model=gpt-4o-mini", "OpenAI")]
    public void The_provider_picks_the_azure_or_the_openai_client(string connectionString, string sdkAssembly)
    {
        using var clients = new ModelClients(connectionString);
        var client = clients.Provider.ClientFor(s_model);

        // The IChatClient wraps the SDK's own ChatClient (Azure's derives from OpenAI's), behind the GenAI telemetry.
        var sdkClient = client.GetService<OpenAI.Chat.ChatClient>();
        Assert.NotNull(sdkClient);
        Assert.Equal(sdkAssembly, sdkClient.GetType().Assembly.GetName().Name);
        Assert.NotNull(client.GetService<ModelCallTelemetry>());
        Assert.Same(client, clients.Provider.ClientFor(s_model));
    }
}
