using System.Text;
using System.Text.Json;

namespace GoChatAi.DevModel.Protocol;

/// <summary>
/// A chat.completions request as OpenAI defines it, as far as the stand-in reads it. Anything else
/// (frequency_penalty, logit_bias, ...) is accepted and ignored, as a lenient server would. The parameters whose
/// JSON takes more than one form (tool_choice, stop) or is the client's own (a JSON schema) are kept as raw JSON
/// and read by the request validation, which answers OpenAI's 400 for a form it does not know.
/// </summary>
internal sealed class ChatCompletionRequest
{
    public string? Model { get; set; }

    public List<RequestMessage>? Messages { get; set; }

    public bool? Stream { get; set; }

    // Kept as raw JSON: "refuse=stream_options" must see whether the client sent it at all.
    public JsonElement? StreamOptions { get; set; }

    public int? MaxTokens { get; set; }

    public int? MaxCompletionTokens { get; set; }

    public List<ToolDefinition>? Tools { get; set; }

    /// <summary><c>"none"</c>, <c>"auto"</c>, <c>"required"</c> or <c>{"type":"function","function":{"name":...}}</c>.</summary>
    public JsonElement? ToolChoice { get; set; }

    public bool? ParallelToolCalls { get; set; }

    public ResponseFormat? ResponseFormat { get; set; }

    public long? Seed { get; set; }

    /// <summary>A string or an array of up to four strings.</summary>
    public JsonElement? Stop { get; set; }

    public double? Temperature { get; set; }

    public double? TopP { get; set; }

    public string? User { get; set; }

    public int? N { get; set; }

    public bool SentStreamOptions => StreamOptions is { ValueKind: not JsonValueKind.Null and not JsonValueKind.Undefined };

    public bool IncludeUsage =>
        StreamOptions is { ValueKind: JsonValueKind.Object } options
        && options.TryGetProperty("include_usage", out var includeUsage)
        && includeUsage.ValueKind == JsonValueKind.True;

    /// <summary>The tighter of the two output limits (older clients send max_tokens, newer max_completion_tokens).</summary>
    public int? OutputLimit => (MaxTokens, MaxCompletionTokens) switch
    {
        (int a, int b) => Math.Min(a, b),
        (int a, null) => a,
        (null, int b) => b,
        _ => null,
    };

    /// <summary>The stop sequences, whichever form they came in; empty when there are none or the form is not one OpenAI takes.</summary>
    public IReadOnlyList<string> StopSequences => Stop switch
    {
        { ValueKind: JsonValueKind.String } single => [single.GetString()!],
        { ValueKind: JsonValueKind.Array } many => [.. many.EnumerateArray().Where(s => s.ValueKind == JsonValueKind.String).Select(s => s.GetString()!)],
        _ => [],
    };
}

/// <summary>One message: system, developer, user, assistant (perhaps with tool calls and no content) or tool.</summary>
internal sealed class RequestMessage
{
    public string? Role { get; set; }

    // A string, or an array of content parts ({"type":"text","text":...}, images, ...), or null.
    public JsonElement? Content { get; set; }

    public string? Name { get; set; }

    /// <summary>The calls an assistant message made (role assistant only).</summary>
    public List<RequestToolCall>? ToolCalls { get; set; }

    /// <summary>The call a tool message answers (role tool only).</summary>
    public string? ToolCallId { get; set; }

    public bool HasContent => Content is { ValueKind: not JsonValueKind.Null and not JsonValueKind.Undefined };

    public string Text()
    {
        if (Content is not { } content)
            return "";

        switch (content.ValueKind)
        {
            case JsonValueKind.String:
                return content.GetString() ?? "";
            case JsonValueKind.Array:
                var text = new StringBuilder();
                foreach (var part in content.EnumerateArray())
                {
                    if (part.ValueKind == JsonValueKind.Object
                        && part.TryGetProperty("text", out var partText)
                        && partText.ValueKind == JsonValueKind.String)
                    {
                        if (text.Length > 0)
                            text.Append('\n');
                        text.Append(partText.GetString());
                    }
                }

                return text.ToString();
            default:
                return "";
        }
    }
}

/// <summary>A call an earlier assistant message made, as the client sends it back.</summary>
internal sealed class RequestToolCall
{
    public string? Id { get; set; }

    public string? Type { get; set; }

    public RequestFunctionCall? Function { get; set; }
}

internal sealed class RequestFunctionCall
{
    public string? Name { get; set; }

    /// <summary>The arguments as the model wrote them: a string of JSON, not JSON.</summary>
    public string? Arguments { get; set; }
}

/// <summary><c>{"type":"function","function":{"name","description","parameters","strict"}}</c>.</summary>
internal sealed class ToolDefinition
{
    public string? Type { get; set; }

    public FunctionDefinition? Function { get; set; }
}

internal sealed class FunctionDefinition
{
    public string? Name { get; set; }

    public string? Description { get; set; }

    /// <summary>The JSON schema of the arguments; absent means a function without parameters.</summary>
    public JsonElement? Parameters { get; set; }

    public bool? Strict { get; set; }
}

/// <summary><c>{"type":"text"}</c>, <c>{"type":"json_object"}</c> or <c>{"type":"json_schema","json_schema":{...}}</c>.</summary>
internal sealed class ResponseFormat
{
    public const string TextType = "text";
    public const string JsonObjectType = "json_object";
    public const string JsonSchemaType = "json_schema";

    public string? Type { get; set; }

    public JsonSchemaFormat? JsonSchema { get; set; }
}

internal sealed class JsonSchemaFormat
{
    public string? Name { get; set; }

    public string? Description { get; set; }

    public JsonElement? Schema { get; set; }

    public bool? Strict { get; set; }
}
