using GoChatAi.DevModel;
using GoChatAi.DevModel.Endpoints;

// GoChatAi's local stand-in model: an OpenAI-compatible chat.completions server whose answers say plainly that
// they are not a real model's, with fault modes that tests switch per request. See README.md.
var builder = WebApplication.CreateBuilder(args);
builder.Services.AddDevModel(builder.Configuration);

var app = builder.Build();
app.MapHealthChecks("/health");
app.MapModelEndpoints();
app.MapChatCompletionEndpoints();
app.MapDevModelControlEndpoints();
app.LogStandInBanner();

await app.RunAsync();
