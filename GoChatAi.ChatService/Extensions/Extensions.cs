using GoChatAi.ChatService.Application;
using GoChatAi.ChatService.Application.Feeds;
using GoChatAi.ChatService.Application.Generations;
using GoChatAi.ChatService.Grpc;
using GoChatAi.ChatService.Http;
using GoChatAi.ChatService.Infrastructure;
using GoChatAi.ChatService.Infrastructure.Model;
using GoChatAi.ChatService.Infrastructure.Redis;
using GoChatAi.ChatService.Infrastructure.Stores;
using Microsoft.Extensions.Options;

namespace GoChatAi.ChatService.Extensions;

public static class Extensions
{
    /// <summary>The ChatService's own services: its database, the cache, the model and its use cases.</summary>
    public static IHostApplicationBuilder AddChatServices(this IHostApplicationBuilder builder)
    {
        builder.AddDatabase<ChatDbContext>(ChatDatabase.Name);
        builder.Services.AddDatabaseMigration<ChatDbContext>();
        builder.AddCache();
        builder.AddAccessTokenAuthentication();

        builder.Services.AddOptions<ChatOptions>()
            .BindConfiguration(ChatOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.AddChatModel();

        builder.Services.AddSingleton<ChatMetrics>();
        builder.Services.AddSingleton<IConversationFeed, ConversationFeed>();
        builder.Services.AddSingleton<IGenerationLeases, GenerationLeases>();
        builder.Services.AddSingleton<IUsageLimiter, UsageLimiter>();
        builder.Services.AddSingleton<IStoreReadiness, StoreReadiness>();
        builder.Services.AddSingleton<ConversationStreams>();
        builder.Services.AddScoped<IConversationStore, ConversationStore>();
        builder.Services.AddScoped<IUsageLedger, UsageLedger>();

        // Generations: the feed writer is registered first so that it stops last, after every answer's last event.
        builder.Services.AddSingleton<FeedWriter>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<FeedWriter>());
        builder.Services.AddSingleton<ConversationTitles>();
        builder.Services.AddSingleton<AnswerGeneration>();
        builder.Services.AddSingleton<GenerationRunner>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<GenerationRunner>());
        builder.Services.AddSingleton<AbandonedGenerations>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<AbandonedGenerations>());
        builder.Services.AddHostedService<DeletedUserChatPurge>();
        builder.Services.AddScoped<ConversationService>();
        builder.Services.AddScoped<GenerationService>();
        builder.Services.AddScoped<UsageService>();
        return builder;
    }

    /// <summary>
    /// The model: the provider from the <c>openai</c> connection string (read at start-up, so that a bad one stops
    /// the service with a message saying what is wrong), the allowed models, and the resilient HttpClient.
    /// </summary>
    private static void AddChatModel(this IHostApplicationBuilder builder)
    {
        var connection = ModelConnection.Parse(builder.Configuration.GetConnectionString(ModelConnection.ConnectionName));
        builder.Services.AddSingleton(connection);
        builder.Services.AddOptions<ModelOptions>()
            .BindConfiguration(ModelOptions.SectionName)
            .PostConfigure(options =>
            {
                // With no model listed, the connection string's model is the only one, with the default limits.
                if (options.Models.Count == 0 && connection.Model is not null)
                {
                    options.Models.Add(new ModelDefinition { Id = connection.Model });
                }

                options.DefaultModel ??= connection.Model is not null && options.Models.Exists(m => m.Id == connection.Model)
                    ? connection.Model
                    : options.Models.FirstOrDefault()?.Id;
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.AddSingleton<ModelCatalog>();
        builder.Services.AddSingleton<ITokenCounter, TokenCounter>();
        builder.Services.AddSingleton<IModelClientProvider, ChatClientProvider>();

        // Streams last as long as the model writes: the silence limit is the SDK's network timeout, not HttpClient's.
        // The standard handler of ServiceDefaults would retry insufficient_quota and cut long streams: this client has its own.
#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers is marked for evaluation; it is the documented way to replace the defaults.
        var modelHttp = builder.Services.AddHttpClient(ChatClientProvider.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        modelHttp.AddResilienceHandler("model", (pipeline, context) =>
            ModelResilience.Configure(pipeline, context.ServiceProvider.GetRequiredService<IOptions<ModelOptions>>().Value));
        // Inside the resilience handler, so that every attempt gets the same smoothing.
        modelHttp.AddHttpMessageHandler(() => new OpenAiCompatibilityHandler());
    }

    public static WebApplication MapChatEndpoints(this WebApplication app)
    {
        app.MapGrpcService<ChatGrpcService>();
        app.MapChatStreamEndpoints();
        return app;
    }
}
