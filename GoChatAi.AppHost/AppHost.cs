using GoChatAi.AppHost;
using GoChatAi.AppHost.Infrastructure;
using GoChatAi.AppHost.Model;

var builder = DistributedApplication.CreateBuilder(args);

GoChatAiInfrastructure infrastructure;
try
{
    infrastructure = builder.AddGoChatAiInfrastructure();
}
catch (InfrastructureUnavailableException exception)
{
    Console.Error.WriteLine(exception.Message);
    return 1;
}

// Secrets are generated once and kept in the AppHost's user secrets; a deployment asks for them.
var signingKeyPassword = builder.AddParameter("signing-key-password", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true, persist: true);
var adminEmail = builder.AddParameter("admin-email",
    () => builder.Configuration["Parameters:admin-email"] ?? "admin@gochatai.local", publishValueAsDefault: true);
var adminPassword = builder.AddParameter("admin-password", new GenerateParameterDefault { MinLength = 24 }, secret: true, persist: true);

var authService = builder.AddProject<Projects.GoChatAi_AuthService>("authservice")
    .WithDatabaseAndCache(infrastructure.AuthDatabase, infrastructure)
    .WithMigrationStep(infrastructure.AuthDatabase, infrastructure)
    .WithEnvironment("Auth__SigningKeyPassword", signingKeyPassword)
    .WithEnvironment("Auth__Admin__Email", adminEmail)
    .WithEnvironment("Auth__Admin__Password", adminPassword)
    .WithServiceHealth()
    .WithServiceLinks()
    .WithExternalHttpEndpoints()
    .WithTraceSampling();

var chatService = builder.AddProject<Projects.GoChatAi_ChatService>("chatservice")
    .WithDatabaseAndCache(infrastructure.ChatDatabase, infrastructure)
    .WithMigrationStep(infrastructure.ChatDatabase, infrastructure)
    .WithReference(authService)
    .WaitFor(authService)
    .WithChatModel()
    .WithServiceHealth()
    .WithServiceLinks()
    .WithExternalHttpEndpoints()
    .WithTraceSampling();

// The chat in a browser: the first link in the dashboard, and what a newcomer opens.
builder.AddProject<Projects.GoChatAi_Web>("web")
    .WithCache(infrastructure)
    .WithReference(authService)
    .WaitFor(authService)
    .WithReference(chatService)
    .WaitFor(chatService)
    .WithServiceHealth()
    .WithUrlForEndpoint("http", url => url.DisplayText = "Chat")
    .WithExternalHttpEndpoints()
    .WithTraceSampling();

await builder.Build().RunAsync();
return 0;
