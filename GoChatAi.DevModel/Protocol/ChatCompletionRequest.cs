using System.Text;
using System.Text.Json;

namespace GoChatAi.DevModel.Protocol;

/// <summary>
/// The part of a chat.completions request the stand-in looks at. Anything else (temperature, tools, ...) is
/// accepted and ignored, as a lenient server would.
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
}

internal sealed class RequestMessage
{
    public string? Role { get; set; }

    // A string, or an array of content parts ({"type":"text","text":...}, images, ...), or null.
    public JsonElement? Content { get; set; }

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
