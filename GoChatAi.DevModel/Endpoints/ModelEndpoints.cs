using GoChatAi.DevModel.Journal;
using GoChatAi.DevModel.Protocol;
using Microsoft.Extensions.Options;

namespace GoChatAi.DevModel.Endpoints;

/// <summary><c>GET /v1/models</c> (and Azure's <c>/openai/models</c>): the configured model names.</summary>
internal static class ModelEndpoints
{
    // A fixed date, so that answers stay the same from run to run.
    private static readonly long s_created = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds();

    public static IReadOnlyList<string> ListedModels(DevModelOptions options) =>
        options.Models.Count > 0 ? [.. options.Models] : [DevModelOptions.DefaultModel];

    public static IEndpointRouteBuilder MapModelEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/models", (HttpContext context, IOptions<DevModelOptions> options, RequestJournal journal) =>
            ListAsync(context, options.Value, journal, azureForm: false));
        app.MapGet("/models", (HttpContext context, IOptions<DevModelOptions> options, RequestJournal journal) =>
            ListAsync(context, options.Value, journal, azureForm: false));
        app.MapGet("/openai/models", (HttpContext context, IOptions<DevModelOptions> options, RequestJournal journal) =>
            ListAsync(context, options.Value, journal, azureForm: true));
        app.MapGet("/v1/models/{model}", (HttpContext context, string model, IOptions<DevModelOptions> options, RequestJournal journal) =>
            GetAsync(context, model, options.Value, journal));
        return app;
    }

    private static async Task ListAsync(HttpContext context, DevModelOptions options, RequestJournal journal, bool azureForm)
    {
        var recorder = journal.Begin(context.Request.Method, context.Request.Path + context.Request.QueryString);
        var cancellationToken = context.RequestAborted;
        OpenAiResponses.AddStandardHeaders(context.Response);
        if (!ApiKeyCheck.IsAuthorized(context.Request, options.ApiKey, azureForm, out var keyGiven))
        {
            await OpenAiResponses.WriteErrorAsync(context, StatusCodes.Status401Unauthorized, OpenAiError.InvalidApiKey(keyGiven), cancellationToken);
        }
        else
        {
            var list = new ModelList("list", [.. ListedModels(options).Select(Describe)]);
            await TypedResults.Json(list, DevModelJsonContext.Wire.ModelList).ExecuteAsync(context);
        }

        recorder.Complete(context.Response.StatusCode, cancellationToken.IsCancellationRequested);
    }

    private static async Task GetAsync(HttpContext context, string model, DevModelOptions options, RequestJournal journal)
    {
        var recorder = journal.Begin(context.Request.Method, context.Request.Path);
        var cancellationToken = context.RequestAborted;
        OpenAiResponses.AddStandardHeaders(context.Response);
        if (!ApiKeyCheck.IsAuthorized(context.Request, options.ApiKey, azureForm: false, out var keyGiven))
            await OpenAiResponses.WriteErrorAsync(context, StatusCodes.Status401Unauthorized, OpenAiError.InvalidApiKey(keyGiven), cancellationToken);
        else if (!ListedModels(options).Contains(model, StringComparer.Ordinal))
            await OpenAiResponses.WriteErrorAsync(context, StatusCodes.Status404NotFound, OpenAiError.ModelNotFound(model, fault: false), cancellationToken);
        else
            await TypedResults.Json(Describe(model), DevModelJsonContext.Wire.ModelInfo).ExecuteAsync(context);

        recorder.Update(entry => entry with { Model = model });
        recorder.Complete(context.Response.StatusCode, cancellationToken.IsCancellationRequested);
    }

    private static ModelInfo Describe(string model) => new(model, "model", s_created, "gochatai-stand-in");
}
