extern alias chatservice;

using chatservice::GoChatAi.ChatService.Application;
using chatservice::GoChatAi.ChatService.Infrastructure.Model;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GoChatAi.Tests.Infrastructure;

/// <summary>The ChatService's <see cref="ChatClientProvider"/> built outside the service, for one connection string.</summary>
public sealed class ModelClients : IDisposable
{
    private readonly ServiceProvider _services;

    public ModelClients(string connectionString, params ModelDefinition[] models)
    {
        // A plain HttpClient: the service's resilience handler is not what these tests are about.
        _services = new ServiceCollection().AddMetrics().AddHttpClient().AddSingleton<ModelCallInstruments>().BuildServiceProvider();
        var options = new ModelOptions();
        options.Models.AddRange(models);
        Provider = new ChatClientProvider(ModelConnection.Parse(connectionString), Options.Create(options),
            _services.GetRequiredService<IHttpClientFactory>(), _services.GetRequiredService<ModelCallInstruments>());
    }

    public ChatClientProvider Provider { get; }

    public void Dispose()
    {
        Provider.Dispose();
        _services.Dispose();
    }
}
