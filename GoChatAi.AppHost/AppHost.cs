using GoChatAi.AppHost.Infrastructure;

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

var authService = builder.AddProject<Projects.GoChatAi_AuthService>("authservice")
    .WithDatabaseAndCache(infrastructure.AuthDatabase, infrastructure)
    .WithHttpHealthCheck("/health/ready", endpointName: "http");

builder.AddProject<Projects.GoChatAi_ChatService>("chatservice")
    .WithDatabaseAndCache(infrastructure.ChatDatabase, infrastructure)
    .WithReference(authService)
    .WaitFor(authService)
    .WithHttpHealthCheck("/health/ready", endpointName: "http");

await builder.Build().RunAsync();
return 0;
