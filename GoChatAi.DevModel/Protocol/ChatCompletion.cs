using System.Text.Json;

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

internal sealed record AssistantMessage(string Role, string? Content, string? Refusal);

internal sealed record Usage(int PromptTokens, int CompletionTokens, int TotalTokens)
{
    public static Usage Of(int promptTokens, int completionTokens) =>
        new(promptTokens, completionTokens, promptTokens + completionTokens);
}
