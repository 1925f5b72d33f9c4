using GoChatAi.DevModel.Answers;
using GoChatAi.DevModel.Journal;
using GoChatAi.DevModel.Protocol;

namespace GoChatAi.DevModel.Endpoints;

/// <summary>What the journal keeps of a request and of an answer's tool calls.</summary>
internal static class JournalRequestFields
{
    /// <summary>The entry with what the request asked for, recorded before it is validated, so a refused one shows too.</summary>
    public static JournalEntry WithRequest(this JournalEntry entry, ChatCompletionRequest request) => entry with
    {
        Messages = request.Messages?.Select(Message).ToList(),
        Tools = request.Tools?.Select(tool => tool.Function?.Name ?? "").ToList(),
        ToolChoice = request.ToolChoice,
        ParallelToolCalls = request.ParallelToolCalls,
        ResponseFormat = request.ResponseFormat?.Type,
        ResponseSchemaName = request.ResponseFormat?.JsonSchema?.Name,
        Seed = request.Seed,
        Stop = request.StopSequences is { Count: > 0 } stop ? stop : null,
        Temperature = request.Temperature,
        TopP = request.TopP,
        User = request.User,
        N = request.N,
        MaxTokens = request.MaxTokens,
        MaxCompletionTokens = request.MaxCompletionTokens,
    };

    public static IReadOnlyList<JournalToolCall>? ToolCalls(StandInAnswer answer) =>
        answer.CallsTools ? [.. answer.ToolCalls.Select(call => new JournalToolCall(call.Id, call.Name, call.Arguments))] : null;

    private static JournalMessage Message(RequestMessage message)
    {
        var content = message.HasContent ? message.Text() : null;
        if (content is { Length: > JournalMessage.MaxContentLength })
            content = content[..JournalMessage.MaxContentLength] + "…";
        return new JournalMessage(
            message.Role,
            content,
            message.Name,
            message.ToolCallId,
            message.ToolCalls?.Select(call => new JournalToolCall(call.Id, call.Function?.Name, call.Function?.Arguments)).ToList());
    }
}
