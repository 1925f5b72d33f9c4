using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using Azure.AI.OpenAI;
using GoChatAi.ChatService.Application;
using GoChatAi.ChatService.Domain;
using GoChatAi.ServiceDefaults.Errors;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using OpenAI;

namespace GoChatAi.ChatService.Infrastructure.Model;

/// <summary>
/// The <see cref="IChatClient"/> of each allowed model: Azure OpenAI through <see cref="AzureOpenAIClient"/>, OpenAI
/// and any OpenAI-compatible server (the stand-in, Ollama, vLLM) through <see cref="OpenAIClient"/> at the
/// connection string's endpoint. Calls go out on the "openai" HttpClient with <see cref="ModelResilience"/>, and are
/// traced with the OpenTelemetry GenAI conventions.
/// </summary>
public sealed class ChatClientProvider(
    ModelConnection connection,
    IOptions<ModelOptions> options,
    IHttpClientFactory httpClients,
    ModelCallInstruments instruments) : IModelClientProvider, IDisposable
{
    public const string HttpClientName = "openai";

    private readonly ConcurrentDictionary<string, IChatClient> _clients = new(StringComparer.Ordinal);

    public IChatClient ClientFor(ChatModel model) => _clients.GetOrAdd(model.Id, Create);

    public ServiceException ToServiceException(Exception exception, string modelId, ILogger logger) =>
        ModelErrors.ToServiceException(exception, modelId, logger);

    private IChatClient Create(string modelId)
    {
        var settings = options.Value;
        var transport = new HttpClientPipelineTransport(httpClients.CreateClient(HttpClientName));
        var credential = new ApiKeyCredential(connection.Key);
        OpenAI.Chat.ChatClient chat;
        if (connection.IsAzure)
        {
            var deployment = settings.Models.FirstOrDefault(m => m.Id == modelId)?.Deployment ?? modelId;
            var azure = new AzureOpenAIClient(connection.Endpoint!, credential, new AzureOpenAIClientOptions
            {
                Transport = transport,
                RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
                NetworkTimeout = settings.Timeout,
            });
            chat = azure.GetChatClient(deployment);
        }
        else
        {
            var openAi = new OpenAIClient(credential, new OpenAIClientOptions
            {
                Endpoint = connection.Endpoint,
                Transport = transport,
                RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
                NetworkTimeout = settings.Timeout,
            });
            chat = openAi.GetChatClient(modelId);
        }

        return new ChatClientBuilder(chat.AsIChatClient())
            .Use(sdk => new ModelCallTelemetry(sdk, instruments))
            .Build();
    }

    public void Dispose()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }
    }
}
