using GoChatAi.ChatService.Extensions;

// The migration step: "GoChatAi.ChatService migrate" brings chatdb to this release's schema and exits.
if (DatabaseMigrationCommand.IsRequested(args))
{
    return await ChatDatabase.MigrateAsync(args);
}

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddGrpcApi();
builder.AddApiDocumentation();
builder.AddChatServices();

var app = builder.Build();

app.UseServiceDefaults();
app.UseAuthentication();
app.UseAuthorization();

app.MapDefaultEndpoints();
app.MapGrpcApiEndpoints();
app.MapApiDocumentation();
app.MapChatEndpoints();

await app.RunAsync();
return 0;
