extern alias chatservice;

using System.ClientModel;
using chatservice::GoChatAi.ChatService.Application;
using chatservice::GoChatAi.ChatService.Domain;
using GoChatAi.Tests.Infrastructure;
using Microsoft.Extensions.AI;

namespace GoChatAi.Tests.EndToEnd;

/// <summary>
/// The Azure OpenAI path: the ChatService's client for <c>Provider=azure</c>, built as the service builds it, streams
/// an answer from the stand-in's Azure route (<c>/openai/deployments/{deployment}/chat/completions?api-version=</c>,
/// key in <c>api-key</c>) through the real Azure.AI.OpenAI SDK. The running ChatService talks to the stand-in the
/// OpenAI way; a second ChatService for Azure alone would cost a whole service start for one client.
/// </summary>
[Collection(GoChatAiAppCollection.Name)]
public sealed class ChatAzureProviderTests(GoChatAiAppFixture fixture)
{
    private static readonly ChatModel s_model = new("stand-in", "Stand-in", 16_384, 2_048, IsDefault: true);

    [Fact]
    public async Task The_azure_client_streams_an_answer_from_the_deployment_route_with_the_api_key()
    {
        using var clients = new ModelClients(await AzureConnectionStringAsync(key: null),
            new ModelDefinition { Id = "stand-in", Deployment = "gochatai-deployment" });
        var message = "Hello Azure " + DevModelJournal.Directive("tokens=5", out var key);

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in clients.Provider.ClientFor(s_model).GetStreamingResponseAsync(message, new Microsoft.Extensions.AI.ChatOptions { ModelId = "stand-in" })
            .WithCancellation(new CancellationTokenSource(ChatUser.CallTimeout).Token))
        {
            updates.Add(update);
        }

        var response = updates.ToChatResponse();
        Assert.Equal(5, response.Text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.Equal(5, response.Usage?.OutputTokenCount);
        var request = Assert.Single(await DevModelJournal.RequestsAsync(fixture, key));
        Assert.StartsWith("/openai/deployments/gochatai-deployment/chat/completions?api-version=", (string)request["path"]!, StringComparison.Ordinal);
        Assert.Equal(200, (int)request["status"]!);
        Assert.True((bool)request["stream"]!);
    }

    [Fact]
    public async Task A_wrong_azure_key_is_refused_by_the_provider()
    {
        using var clients = new ModelClients(await AzureConnectionStringAsync(key: "not-the-key"));

        var error = await Assert.ThrowsAsync<ClientResultException>(() =>
            clients.Provider.ClientFor(s_model).GetResponseAsync("Hello " + DevModelJournal.Directive("tokens=2", out _)));

        Assert.Equal(401, error.Status);
    }

    /// <summary>The stand-in's root as an Azure endpoint, with the key the AppHost gave it (or another).</summary>
    private async Task<string> AzureConnectionStringAsync(string? key)
    {
        var openAi = ModelConnection.Parse(await fixture.App.GetConnectionStringAsync("openai"));
        var root = fixture.App.GetEndpoint("devmodel", "http");
        return $"Endpoint={root};Key={key ?? openAi.Key};Model=stand-in;Provider=azure";
    }
}
