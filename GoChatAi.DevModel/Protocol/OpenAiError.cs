using System.Globalization;

namespace GoChatAi.DevModel.Protocol;

/// <summary>OpenAI's error body: <c>{"error":{"message","type","param","code"}}</c>, nulls written.</summary>
internal sealed record OpenAiErrorBody(OpenAiError Error);

internal sealed record OpenAiError(string Message, string Type, string? Param, string? Code)
{
    public const string InvalidRequest = "invalid_request_error";

    public static OpenAiError InvalidApiKey(bool keyGiven) => new(
        keyGiven
            ? "Incorrect API key provided. The GoChatAi stand-in model expects the key in DevModel:ApiKey."
            : "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the api-key header.",
        InvalidRequest, null, "invalid_api_key");

    public static OpenAiError InvalidApiKeyFault { get; } = new(
        "Incorrect API key provided. (GoChatAi stand-in model, fault mode 401)", InvalidRequest, null, "invalid_api_key");

    public static OpenAiError RateLimited(string model, TimeSpan retryAfter) => new(
        string.Create(CultureInfo.InvariantCulture,
            $"Rate limit reached for {model} in organization org-gochatai-stand-in on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in {retryAfter.TotalSeconds:0.###}s. (GoChatAi stand-in model, fault mode 429-rate)"),
        "requests", null, "rate_limit_exceeded");

    public static OpenAiError InsufficientQuota { get; } = new(
        "You exceeded your current quota, please check your plan and billing details. (GoChatAi stand-in model, fault mode 429-quota)",
        "insufficient_quota", null, "insufficient_quota");

    public static OpenAiError ServerError { get; } = new(
        "The server had an error while processing your request. Sorry about that! (GoChatAi stand-in model, fault mode)",
        "server_error", null, null);

    public static OpenAiError BadGateway { get; } = new("Bad gateway. (GoChatAi stand-in model, fault mode 502)", "server_error", null, null);

    public static OpenAiError Overloaded { get; } = new(
        "The server is overloaded or not ready yet. (GoChatAi stand-in model, fault mode 503)", "server_error", null, null);

    public static OpenAiError ModelNotFound(string model, bool fault) => new(
        $"The model `{model}` does not exist or you do not have access to it." + (fault ? " (GoChatAi stand-in model, fault mode 404)" : ""),
        InvalidRequest, "model", "model_not_found");

    public static OpenAiError ContextLengthExceededFault { get; } = new(
        "This model's maximum context length is exceeded. Please reduce the length of the messages. (GoChatAi stand-in model, fault mode 400-context)",
        InvalidRequest, "messages", "context_length_exceeded");

    public static OpenAiError ContextLengthExceeded(int window, int promptTokens, int? outputLimit) => new(
        outputLimit is int limit
            ? string.Create(CultureInfo.InvariantCulture,
                $"This model's maximum context length is {window} tokens. However, you requested {promptTokens + limit} tokens ({promptTokens} in the messages, {limit} in the completion). Please reduce the length of the messages or completion.")
            : string.Create(CultureInfo.InvariantCulture,
                $"This model's maximum context length is {window} tokens. However, your messages resulted in {promptTokens} tokens. Please reduce the length of the messages."),
        InvalidRequest, "messages", "context_length_exceeded");

    public static OpenAiError UnknownParameter(string name) => new(
        $"Unrecognized request argument supplied: {name}", InvalidRequest, name, "unknown_parameter");

    public static OpenAiError UnparsableBody(string detail) => new(
        $"We could not parse the JSON body of your request. ({detail})", InvalidRequest, null, null);

    public static OpenAiError MissingParameter(string name) => new(
        $"Missing required parameter: '{name}'.", InvalidRequest, name, "missing_required_parameter");

    public static OpenAiError BelowMinimum(string name, int value) => new(
        string.Create(CultureInfo.InvariantCulture, $"Invalid '{name}': integer below minimum value. Expected a value >= 1, but got {value} instead."),
        InvalidRequest, name, "integer_below_min_value");

    public static OpenAiError BadDirective(string detail) => new(
        $"Invalid [[devmodel: ...]] directive: {detail}", InvalidRequest, "messages", "invalid_devmodel_directive");
}
