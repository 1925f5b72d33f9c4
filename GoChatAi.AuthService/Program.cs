using GoChatAi.AuthService.Extensions;

// The migration step: "GoChatAi.AuthService migrate" brings authdb to this release's schema and exits.
if (DatabaseMigrationCommand.IsRequested(args))
{
    return await AuthDatabase.MigrateAsync(args);
}

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddGrpcApi();
builder.AddApiDocumentation();
builder.AddAuthServices();

var app = builder.Build();

app.UseServiceDefaults();
app.UseAuthentication();
app.UseAuthorization();

app.MapDefaultEndpoints();
app.MapGrpcApiEndpoints();
app.MapApiDocumentation();
app.MapAuthEndpoints();

await app.RunAsync();
return 0;
