using System.Globalization;
using System.Text.Json;
using GoChatAi.ChatService.Application;
using GoChatAi.ChatService.Application.Completions;
using GoChatAi.ServiceDefaults.Authentication;
using GoChatAi.ServiceDefaults.Errors;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using ChatOptions = GoChatAi.ChatService.Application.ChatOptions;

namespace GoChatAi.ChatService.Http.OpenAi;

/// <summary>
/// The OpenAI-compatible API at <c>/openai/v1</c>, so that every OpenAI SDK, agent framework and chat UI can use
/// GoChatAi with a personal API key (or an access token): <c>POST /chat/completions</c> (unary and streamed),
/// <c>GET /models</c> and <c>GET /models/{id}</c>, errors in OpenAI's shape, and OpenAI's <c>x-ratelimit-*</c>
/// headers on every answer. Stateless as OpenAI's by default: what a completion used is in the usage ledger, and
/// with <c>"store": true</c> the exchange is kept as a conversation of the caller's.
/// </summary>
public static class OpenAiEndpoints
{
    public const string BasePath = "/openai/v1";

    /// <summary>Largest request body read: a whole conversation, each message within the message limit.</summary>
    private const long MaxBodyBytes = 16 * 1024 * 1024;

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>When the models were "created", as OpenAI's model objects say: the service's start.</summary>
    private static readonly long s_modelsCreated = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    public static IEndpointRouteBuilder MapOpenAiEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup(BasePath)
            .RequireAuthorization()
            .WithMetadata(OpenAiErrorFormat.Instance)
            .AddEndpointFilter(AnswerErrorsAsOpenAiAsync);
        api.MapPost("/chat/completions", CreateChatCompletionAsync)
            .WithMetadata(new RequestSizeLimitAttribute(MaxBodyBytes));
        api.MapGet("/models", (ModelCatalog models) => Results.Json(new ModelList("list", models.Models.Select(ToModel).ToList()), s_json));
        api.MapGet("/models/{**id}", (string id, ModelCatalog models) =>
            models.Find(id) is { } model
                ? Results.Json(ToModel(model), s_json)
                : throw new ServiceException(ErrorKind.NotFound, $"The model `{id}` does not exist or you do not have access to it.") { Reason = ErrorReasons.ModelNotFound });
        return app;
    }

    private static async Task CreateChatCompletionAsync(
        HttpContext http, CompletionService completions, ModelCatalog models, IOptions<ChatOptions> options, TimeProvider timeProvider)
    {
        var cancellationToken = http.RequestAborted;
        var call = ChatCompletionRequestReader.Read(await ReadBodyAsync(http.Request, cancellationToken), models, options.Value);
        var caller = new CompletionCaller(http.User.GetUserId(), http.User.GetApiKeyId());
        var request = new CompletionRequest(Guid.CreateVersion7(timeProvider.GetUtcNow()), call.Model, call.Messages, call.Options, call.Store);
        WriteRateLimitHeaders(http.Response, await completions.AdmitAsync(caller, request));

        var id = "chatcmpl-" + request.Id.ToString("N");
        var created = timeProvider.GetUtcNow().ToUnixTimeSeconds();
        if (!call.Stream)
        {
            var (answer, usage) = await completions.CompleteAsync(caller, request, cancellationToken);
            await ChatCompletionWriter.WriteCompletionAsync(http.Response, id, created, call.Model.Id, answer, usage, cancellationToken);
            return;
        }

        var spent = new CompletionUsage(0, 0);
        await using var updates = completions.StreamAsync(caller, request, usage => spent = usage, cancellationToken).GetAsyncEnumerator(cancellationToken);
        // The model's first answer comes before the stream begins: a refusal (its limits, its outage) is an HTTP error.
        var more = await updates.MoveNextAsync();
        var writer = new ChatCompletionWriter(http.Response, id, created, call.Model.Id, call.IncludeUsage);
        ChatFinishReason? finish = null;
        try
        {
            await writer.StartAsync(cancellationToken);
            for (; more; more = await updates.MoveNextAsync())
            {
                await writer.WriteAsync(updates.Current, cancellationToken);
                finish = updates.Current.FinishReason ?? finish;
            }

            if (finish is null)
            {
                await writer.FailAsync(new ServiceException(ErrorKind.Unavailable, "The model's answer broke off before its end."), cancellationToken);
                return;
            }

            // Ended now, before [DONE]: the usage is recorded and a stored exchange is there when the caller looks.
            await updates.DisposeAsync();
            await writer.EndAsync(finish, spent, cancellationToken);
        }
        catch (ServiceException failure)
        {
            await writer.FailAsync(failure, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The caller went away: the model's request is cancelled with it, and what was spent is recorded.
        }
    }

    /// <summary>
    /// A failure of a handler, before its answer began, in OpenAI's shape: the exception handler middleware that
    /// answers other routes' failures no longer knows the endpoint (it clears it), so these routes answer their own.
    /// </summary>
    private static async ValueTask<object?> AnswerErrorsAsOpenAiAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        try
        {
            return await next(context);
        }
        catch (Exception exception) when (!http.Response.HasStarted && !http.RequestAborted.IsCancellationRequested)
        {
            var logger = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(OpenAiEndpoints));
            var error = exception as ServiceException ?? ServiceErrors.Classify(exception, logger, $"{http.Request.Method} {http.Request.Path}");
            await OpenAiErrorFormat.Instance.WriteAsync(http.Response, error, http.RequestAborted);
            return Results.Empty;
        }
    }

    private static async Task<JsonElement> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentType is not { } type || !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            throw new ServiceException(ErrorKind.InvalidArgument, "The request body must be JSON (Content-Type: application/json).", httpStatus: StatusCodes.Status415UnsupportedMediaType);
        }

        try
        {
            using var document = await JsonDocument.ParseAsync(request.Body, new JsonDocumentOptions { MaxDepth = 64 }, cancellationToken);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            throw new ServiceException(ErrorKind.InvalidArgument, "We could not parse the JSON body of your request: it is not valid JSON.");
        }
        catch (BadHttpRequestException tooLarge) when (tooLarge.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw ServiceException.TooLarge(MaxBodyBytes);
        }
    }

    /// <summary>OpenAI's rate-limit headers, from the caller's own limits: requests per minute and tokens per day.</summary>
    private static void WriteRateLimitHeaders(HttpResponse response, UsageAllowance? allowance)
    {
        if (allowance is null)
        {
            return;
        }

        var headers = response.Headers;
        headers["x-ratelimit-limit-requests"] = allowance.RequestsPerMinute.ToString(CultureInfo.InvariantCulture);
        headers["x-ratelimit-remaining-requests"] = allowance.RequestsLeft.ToString(CultureInfo.InvariantCulture);
        headers["x-ratelimit-reset-requests"] = Duration(allowance.RequestsResetIn);
        headers["x-ratelimit-limit-tokens"] = allowance.TokensPerDay.ToString(CultureInfo.InvariantCulture);
        headers["x-ratelimit-remaining-tokens"] = allowance.TokensLeft.ToString(CultureInfo.InvariantCulture);
        headers["x-ratelimit-reset-tokens"] = Duration(allowance.TokensResetIn);
    }

    /// <summary>A duration as OpenAI writes one in its headers: <c>1s</c>, <c>6m0s</c>, <c>13h2m5s</c>.</summary>
    private static string Duration(TimeSpan span) =>
        span.TotalHours >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalHours}h{span.Minutes}m{span.Seconds}s")
        : span.TotalMinutes >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{span.Minutes}m{span.Seconds}s")
        : string.Create(CultureInfo.InvariantCulture, $"{Math.Max(0, (int)Math.Ceiling(span.TotalSeconds))}s");

    private static ModelObject ToModel(Domain.ChatModel model) => new(model.Id, "model", s_modelsCreated, "gochatai");

    private sealed record ModelList(string Object, IReadOnlyList<ModelObject> Data);

    private sealed record ModelObject(string Id, string Object, long Created, string OwnedBy);
}
