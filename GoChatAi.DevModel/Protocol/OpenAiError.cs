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

    public static OpenAiError InvalidValue(string param, string value, IReadOnlyList<string> supported) => new(
        $"Invalid value: '{value}'. Supported values are: {string.Join(", ", supported.Select(v => $"'{v}'"))}.",
        InvalidRequest, param, "invalid_value");

    public static OpenAiError InvalidType(string param, string expected, string got) => new(
        $"Invalid type for '{param}': expected {expected}, but got {got} instead.", InvalidRequest, param, "invalid_type");

    public static OpenAiError DecimalOutOfRange(string param, double value, double minimum, double maximum) => value < minimum
        ? new(string.Create(CultureInfo.InvariantCulture, $"Invalid '{param}': decimal below minimum value. Expected a value >= {minimum}, but got {value} instead."),
            InvalidRequest, param, "decimal_below_min_value")
        : new(string.Create(CultureInfo.InvariantCulture, $"Invalid '{param}': decimal above maximum value. Expected a value <= {maximum}, but got {value} instead."),
            InvalidRequest, param, "decimal_above_max_value");

    public static OpenAiError ArrayTooLong(string param, int maximum, int length) => new(
        string.Create(CultureInfo.InvariantCulture,
            $"Invalid '{param}': array too long. Expected an array with maximum length {maximum}, but got an array with length {length} instead."),
        InvalidRequest, param, "array_above_max_length");

    public static OpenAiError EmptyArray(string param) => new(
        $"Invalid '{param}': empty array. Expected an array with minimum length 1, but got an empty array instead.",
        InvalidRequest, param, "empty_array");

    public static OpenAiError BadName(string param, string name) => new(
        $"Invalid '{param}': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]{{1,64}}$', but got '{name}'.",
        InvalidRequest, param, "invalid_value");

    /// <summary>The stand-in answers one choice; GoChatAi never asks for more, so more is refused rather than ignored.</summary>
    public static OpenAiError SeveralChoices(int n) => new(
        string.Create(CultureInfo.InvariantCulture,
            $"Unsupported value: 'n' is {n}; the GoChatAi stand-in model answers with one choice only (n = 1)."),
        InvalidRequest, "n", "unsupported_value");

    public static OpenAiError ToolResultWithoutCall(string toolCallId) => new(
        $"Invalid parameter: messages with role 'tool' must be a response to a preceding message with 'tool_calls'. No assistant message before it called '{toolCallId}'.",
        InvalidRequest, "messages", null);

    public static OpenAiError ToolCallsUnanswered(IEnumerable<string> toolCallIds) => new(
        "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: "
        + string.Join(", ", toolCallIds),
        InvalidRequest, "messages", null);

    public static OpenAiError OnlyWithTools(string param) => new(
        $"Invalid value for '{param}': '{param}' is only allowed when 'tools' are specified.", InvalidRequest, param, null);

    public static OpenAiError UnknownToolChoice(string name) => new(
        $"Invalid value for 'tool_choice': function '{name}' is not among the 'tools' of the request.", InvalidRequest, "tool_choice", "invalid_value");

    public static OpenAiError NoJsonInMessages { get; } = new(
        "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.", InvalidRequest, "messages", null);

    public static OpenAiError BadDirective(string detail) => new(
        $"Invalid [[devmodel: ...]] directive: {detail}", InvalidRequest, "messages", "invalid_devmodel_directive");
}
