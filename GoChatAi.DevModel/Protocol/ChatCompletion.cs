using System.Text.Json;
using System.Text.Json.Serialization;

namespace GoChatAi.DevModel.Protocol;

// The wire shapes of OpenAI's chat.completions answers, in OpenAI's property order. Nulls are written, not
// omitted (logprobs, refusal, usage on chunks), because real servers write them and clients meet them.

internal sealed record ChatCompletion(
    string Id,
    string Object,
    long Created,
    string Model,
    IReadOnlyList<ChatCompletionChoice> Choices,
    Usage Usage,
    string SystemFingerprint);

internal sealed record ChatCompletionChoice(int Index, AssistantMessage Message, JsonElement? Logprobs, string FinishReason);

/// <summary>The answer: text in <see cref="Content"/>, or calls in <see cref="ToolCalls"/> with <c>"content": null</c>.</summary>
internal sealed record AssistantMessage(
    string Role,
    string? Content,
    string? Refusal,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<ToolCall>? ToolCalls = null);

/// <summary><c>{"id":"call_...","type":"function","function":{"name":...,"arguments":"{...}"}}</c>.</summary>
internal sealed record ToolCall(string Id, string Type, FunctionCall Function);

/// <summary>A call's function; the arguments are a string holding JSON, as OpenAI sends them.</summary>
internal sealed record FunctionCall(string Name, string Arguments);

internal sealed record Usage(int PromptTokens, int CompletionTokens, int TotalTokens)
{
    public static Usage Of(int promptTokens, int completionTokens) =>
        new(promptTokens, completionTokens, promptTokens + completionTokens);
}
