using System.Text.Json;
using System.Text.Json.Serialization;

namespace GoChatAi.DevModel.Protocol;

/// <summary>
/// One <c>chat.completion.chunk</c> event. <see cref="Choices"/> is null only in the vLLM-style usage chunk;
/// <see cref="Usage"/> is null on every chunk but the usage one, and is written as <c>"usage": null</c>.
/// </summary>
internal sealed record ChatCompletionChunk(
    string Id,
    string Object,
    long Created,
    string Model,
    string SystemFingerprint,
    IReadOnlyList<ChunkChoice>? Choices,
    Usage? Usage);

internal sealed record ChunkChoice(int Index, ChunkDelta Delta, JsonElement? Logprobs, string? FinishReason);

/// <summary>A delta writes only what it carries: <c>{"content":"word"}</c>, and <c>{}</c> on the finishing chunk.</summary>
internal sealed record ChunkDelta(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Role,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Content)
{
    public static ChunkDelta Opening { get; } = new("assistant", "");

    public static ChunkDelta Empty { get; } = new(null, null);

    public static ChunkDelta Of(string content) => new(null, content);
}

/// <summary>
/// Azure OpenAI's first streamed event: no choices, empty id/model/object, created 0, and the prompt's content
/// filter verdicts. Clients that index <c>choices[0]</c> unconditionally break on it.
/// </summary>
internal sealed record AzurePromptFilterChunk(
    IReadOnlyList<ChunkChoice> Choices,
    long Created,
    string Id,
    string Model,
    string Object,
    IReadOnlyList<PromptFilterResult> PromptFilterResults)
{
    public static AzurePromptFilterChunk Safe { get; } = new(
        [], 0, "", "", "",
        [new PromptFilterResult(0, new ContentFilterResults(FilterVerdict.Safe, FilterVerdict.Safe, FilterVerdict.Safe, FilterVerdict.Safe))]);
}

internal sealed record PromptFilterResult(int PromptIndex, ContentFilterResults ContentFilterResults);

internal sealed record ContentFilterResults(FilterVerdict Hate, FilterVerdict SelfHarm, FilterVerdict Sexual, FilterVerdict Violence);

internal sealed record FilterVerdict(bool Filtered, string Severity)
{
    public static FilterVerdict Safe { get; } = new(false, "safe");
}
