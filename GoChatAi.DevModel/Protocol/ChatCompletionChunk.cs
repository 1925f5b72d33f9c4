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

/// <summary>
/// A delta writes only what it carries: <c>{"content":"word"}</c>, <c>{"tool_calls":[...]}</c>, and <c>{}</c> on the
/// finishing chunk. The opening delta of a tool call answer says <c>"content": null</c> outright, as OpenAI's does.
/// </summary>
internal sealed record ChunkDelta(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Role,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DeltaContent? Content,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<ToolCallDelta>? ToolCalls = null)
{
    public static ChunkDelta Opening { get; } = new("assistant", new DeltaContent(""));

    /// <summary>The first delta of an answer that calls tools: <c>{"role":"assistant","content":null}</c>.</summary>
    public static ChunkDelta OpeningWithoutContent { get; } = new("assistant", new DeltaContent(null));

    public static ChunkDelta Empty { get; } = new(null, null);

    public static ChunkDelta Of(string content) => new(null, new DeltaContent(content));

    public static ChunkDelta Of(ToolCallDelta toolCall) => new(null, null, [toolCall]);
}

/// <summary>
/// A delta's content, present on the wire even when it is null: <c>"content": null</c> says something that a
/// missing property does not, so the delta's own <c>null</c> means "not written" and this one's means <c>null</c>.
/// </summary>
[JsonConverter(typeof(DeltaContentConverter))]
internal readonly record struct DeltaContent(string? Text);

internal sealed class DeltaContentConverter : JsonConverter<DeltaContent>
{
    public override DeltaContent Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        new(reader.TokenType == JsonTokenType.Null ? null : reader.GetString());

    public override void Write(Utf8JsonWriter writer, DeltaContent value, JsonSerializerOptions options)
    {
        if (value.Text is null)
            writer.WriteNullValue();
        else
            writer.WriteStringValue(value.Text);
    }
}

/// <summary>
/// A piece of a streamed tool call: the first for a call carries its <c>id</c>, <c>type</c> and name with
/// <c>"arguments": ""</c>; the ones after it carry only the <c>index</c> and the next piece of the arguments.
/// </summary>
internal sealed record ToolCallDelta(
    int Index,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Id,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Type,
    FunctionCallDelta Function)
{
    public static ToolCallDelta Start(int index, string id, string name) => new(index, id, "function", new FunctionCallDelta(name, ""));

    public static ToolCallDelta Arguments(int index, string piece) => new(index, null, null, new FunctionCallDelta(null, piece));
}

internal sealed record FunctionCallDelta(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Name,
    string Arguments);

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
