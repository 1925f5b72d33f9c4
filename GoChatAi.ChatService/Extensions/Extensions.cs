using GoChatAi.ChatService.Application;
using GoChatAi.ChatService.Application.Archives;
using GoChatAi.ChatService.Application.Completions;
using GoChatAi.ChatService.Application.Feeds;
using GoChatAi.ChatService.Application.Generations;
using GoChatAi.ChatService.Application.Sharing;
using GoChatAi.ChatService.Grpc;
using GoChatAi.ChatService.Http;
using GoChatAi.ChatService.Http.OpenAi;
using GoChatAi.ChatService.Infrastructure;
using GoChatAi.ChatService.Infrastructure.ApiKeys;
using GoChatAi.ChatService.Infrastructure.Model;
using GoChatAi.ChatService.Infrastructure.Redis;
using GoChatAi.ChatService.Infrastructure.Stores;
using GoChatAi.Contracts.Auth.V1;
using GoChatAi.ServiceDefaults.Authentication;
using GoChatAi.ServiceDefaults.Errors;
using GoChatAi.ServiceDefaults.Requests;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Options;

namespace GoChatAi.ChatService.Extensions;

public static class Extensions
{
    /// <summary>The ChatService's own services: its database, the cache, the model and its use cases.</summary>
    public static IHostApplicationBuilder AddChatServices(this IHostApplicationBuilder builder)
    {
        builder.AddDatabase<ChatDbContext>(ChatDatabase.Name);
        // The stores take a context of a pool for each operation and give it back at once, rather than the request's
        // for as long as the request lasts: a streamed answer or a followed feed lasts minutes to hours, and a
        // context with EF Core's services is about 17 KiB held for nothing meanwhile.
        builder.Services.AddSingleton<IDbContextFactory<ChatDbContext>>(services =>
            new PooledDbContextFactory<ChatDbContext>(services.GetRequiredService<DbContextOptions<ChatDbContext>>()));
        builder.Services.AddDatabaseMigration<ChatDbContext>();
        builder.AddCache();
        builder.AddAccessTokenAuthentication();
        builder.AddApiKeyAuthentication();

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
        builder.Services.AddSingleton<MessageGroupCommit>();
        builder.Services.AddScoped<IConversationStore, ConversationStore>();
        builder.Services.AddScoped<IConversationSearch, ConversationSearch>();
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
        builder.Services.AddScoped<SearchService>();
        builder.Services.AddScoped<CompletionService>();
        builder.Services.AddScoped<IShareLinkStore, ShareLinkStore>();
        builder.Services.AddScoped<ShareLinkService>();

        // Export and import (issue 16): conversations whole, read one at a time, imported each in one transaction.
        builder.Services.AddScoped<IConversationArchive, ConversationArchive>();
        builder.Services.AddScoped<ArchiveService>();
        ConversationArchiveGrpcService.AddTo(builder.Services);
        return builder;
    }

    /// <summary>
    /// Personal API keys as bearer credentials: a key becomes the access token it acts with (<see cref="ApiKeyExchange"/>),
    /// which is then checked like any other, revocation included. The ChatService is the one service where keys act.
    /// </summary>
    private static void AddApiKeyAuthentication(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ApiKeyOptions>()
            .BindConfiguration(ApiKeyOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<FailureCounter>();
        builder.Services.AddSingleton<ApiKeyExchange>();
        builder.Services.AddGrpcClient<ApiKeyService.ApiKeyServiceClient>((sp, client) =>
            client.Address = sp.GetRequiredService<IOptions<ApiKeyOptions>>().Value.AuthServiceAddress);
        builder.Services.AddAuthorizationBuilder().SetDefaultPolicy(ApiKeyTokens.AcceptingPolicy);
        builder.Services.PostConfigure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, jwt => jwt.Events.OnMessageReceived = UseApiKeyTokenAsync);
    }

    /// <summary>When the bearer credential is an API key, authentication goes on with the access token it acts with.</summary>
    private static async Task UseApiKeyTokenAsync(MessageReceivedContext context)
    {
        const string Scheme = "Bearer ";
        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) || header[Scheme.Length..].Trim() is not { } credential || !ApiKeyExchange.IsApiKey(credential))
        {
            return;
        }

        try
        {
            var exchange = context.HttpContext.RequestServices.GetRequiredService<ApiKeyExchange>();
            context.Token = await exchange.AccessTokenForAsync(credential, context.HttpContext.GetClientAddress(), context.HttpContext.RequestAborted);
        }
        catch (Exception refusal) when (refusal is ServiceException || DependencyFailure.Of(refusal) is not null)
        {
            context.Fail(refusal);
        }
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
        builder.Services.AddSingleton<ModelCallInstruments>();
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
        // Anonymous: shared conversations are read without an account (GET /v1/shared/{share_id}).
        app.MapGrpcService<SharedConversationGrpcService>();
        app.MapChatStreamEndpoints();
        app.MapOpenAiEndpoints();
        ConversationArchiveGrpcService.MapTo(app);
        app.MapChatArchiveEndpoints();
        return app;
    }
}
