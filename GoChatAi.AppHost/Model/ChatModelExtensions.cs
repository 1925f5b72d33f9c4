using Microsoft.Extensions.Configuration;

namespace GoChatAi.AppHost.Model;

/// <summary>
/// Where the ChatService's model comes from: the <c>openai</c> connection string when one is configured; otherwise
/// the stand-in, <c>GoChatAi.DevModel</c>, so that a machine with no key and no network still has a working chat.
/// The same holds for a deployment: a manifest published with the connection string configured asks the deployer
/// for it (a secret parameter, whose value is never written); one published without it deploys the stand-in, a
/// demo whose models say in their names that they are not real.
/// </summary>
public static class ChatModelExtensions
{
    public const string ConnectionName = "openai";
    public const string StandInName = "devmodel";

    /// <summary>The model ids the ChatService offers when it talks to the stand-in (which answers any name).</summary>
    public const string StandInModel = "stand-in";
    public const string StandInSmallModel = "stand-in-small";

    public static IResourceBuilder<ProjectResource> WithChatModel(this IResourceBuilder<ProjectResource> chatService)
    {
        var builder = chatService.ApplicationBuilder;
        if (!string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(ConnectionName)))
        {
            return chatService.WithReference(builder.AddConnectionString(ConnectionName));
        }

        // The stand-in checks a key like a real provider, so that a key that does not reach it shows up here too.
        var key = builder.AddParameter("devmodel-key", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true);
        var standIn = builder.AddProject<Projects.GoChatAi_DevModel>(StandInName)
            // The ChatService streams every token from it: straight, not through a proxy.
            .WithEndpoint("http", endpoint => endpoint.IsProxied = false)
            .WithEnvironment("DevModel__ApiKey", key)
            .WithHttpHealthCheck("/health", endpointName: "http")
            .WithPlainHttpOnly();
        var endpoint = standIn.GetEndpoint("http");
        var connection = builder.AddConnectionString(ConnectionName,
            ReferenceExpression.Create($"Endpoint={endpoint}/v1;Key={key};Model={StandInModel}"));

        return chatService
            .WithReference(connection)
            .WaitFor(standIn)
            // Two stand-in "models": a roomy one, and one with a small window that long conversations overflow.
            .WithEnvironment("Model__Models__0__Id", StandInModel)
            .WithEnvironment("Model__Models__0__DisplayName", "Demo stand-in model (canned answers, not a real model)")
            .WithEnvironment("Model__Models__0__ContextWindow", "16384")
            .WithEnvironment("Model__Models__0__MaxOutputTokens", "2048")
            .WithEnvironment("Model__Models__1__Id", StandInSmallModel)
            .WithEnvironment("Model__Models__1__DisplayName", "Demo stand-in model with a small context window (not a real model)")
            .WithEnvironment("Model__Models__1__ContextWindow", "1024")
            .WithEnvironment("Model__Models__1__MaxOutputTokens", "256")
            .WithEnvironment("Model__DefaultModel", StandInModel);
    }
}
