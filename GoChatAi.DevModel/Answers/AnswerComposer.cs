using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using GoChatAi.DevModel.Faults;
using GoChatAi.DevModel.Protocol;

namespace GoChatAi.DevModel.Answers;

/// <summary>
/// Decides what the stand-in answers, in this order: tool calls, when the request offers tools, tool_choice is not
/// "none" and the last message is the user's; the tool results read back, when the last messages are tool results;
/// otherwise the echo of the last user message. A content answer is JSON when response_format asks for it.
/// </summary>
internal static class AnswerComposer
{
    /// <summary>How many tools the <c>parallel</c> directive calls at once, at most.</summary>
    public const int MaxParallelCalls = 3;

    /// <param name="request">The validated request.</param>
    /// <param name="messages">Its messages (at least one).</param>
    /// <param name="toolChoice">Its tool choice, as the validation read it.</param>
    /// <param name="echoText">The last user message without its directive.</param>
    /// <param name="faults">The directive in force (tokens, finish, parallel).</param>
    public static StandInAnswer Compose(
        ChatCompletionRequest request, IReadOnlyList<RequestMessage> messages, ToolChoice toolChoice, string echoText, FaultDirective faults)
    {
        var last = messages[^1];
        if (last.Role == "user" && toolChoice.Mode != ToolChoiceMode.None && request.Tools is { Count: > 0 } tools)
            return StandInAnswer.Call(PlanCalls(tools, toolChoice, request.ParallelToolCalls, messages, echoText, faults), request.OutputLimit, faults.Finish);

        var statement = last.Role == "tool" ? StandInStatements.ToolResults(ToolResults(messages)) : StandInStatements.Echo(echoText);
        var stop = request.StopSequences;
        return request.ResponseFormat?.Type switch
        {
            ResponseFormat.JsonObjectType => StandInAnswer.Json(SampleJson.Answer(statement), stop, request.OutputLimit, faults.Finish),
            ResponseFormat.JsonSchemaType =>
                StandInAnswer.Json(SampleJson.For(request.ResponseFormat.JsonSchema?.Schema, echoText), stop, request.OutputLimit, faults.Finish),
            _ => StandInAnswer.Say(statement, faults.Tokens, stop, request.OutputLimit, faults.Finish),
        };
    }

    /// <summary>
    /// The named function; else the first tool, or with the <c>parallel</c> directive (and parallel_tool_calls
    /// not false) each tool up to <see cref="MaxParallelCalls"/>. Arguments are a sample of each tool's parameters.
    /// </summary>
    private static List<PlannedToolCall> PlanCalls(
        List<ToolDefinition> tools, ToolChoice toolChoice, bool? parallelToolCalls, IReadOnlyList<RequestMessage> messages, string echoText,
        FaultDirective faults)
    {
        var called = toolChoice.Mode == ToolChoiceMode.Function ? tools.Where(tool => tool.Function?.Name == toolChoice.FunctionName).Take(1)
            : faults.Parallel == true && parallelToolCalls != false ? tools.Take(MaxParallelCalls)
            : tools.Take(1);

        var conversation = ConversationHash(messages);
        return
        [
            .. called.Select((tool, index) =>
            {
                var function = tool.Function!;
                var arguments = SampleJson.For(function.Parameters, echoText);
                return new PlannedToolCall(CallId(conversation, index, function.Name!), function.Name!, AnswerPieces.Tokens(arguments));
            }),
        ];
    }

    /// <summary>The trailing tool messages, each with the name of the function whose call it answers.</summary>
    private static IEnumerable<(string Name, string Content)> ToolResults(IReadOnlyList<RequestMessage> messages)
    {
        var first = messages.Count;
        while (first > 0 && messages[first - 1].Role == "tool")
            first--;

        // The validation has made sure the message before them is the assistant's that made the calls.
        var calls = first > 0 ? messages[first - 1].ToolCalls ?? [] : [];
        return messages
            .Skip(first)
            .Select(result => (calls.FirstOrDefault(call => call.Id == result.ToolCallId)?.Function?.Name ?? "(unknown)", result.Text()));
    }

    /// <summary>
    /// Ids that are the same for the same conversation and differ between conversations, so that a retried
    /// request gets the calls it got before, and a test can predict nothing but their form (<c>call_</c> + 24 hex).
    /// </summary>
    private static string CallId(byte[] conversation, int index, string name)
    {
        var hash = SHA256.HashData([.. conversation, .. Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{index}:{name}"))]);
        return "call_" + Convert.ToHexStringLower(hash)[..24];
    }

    private static byte[] ConversationHash(IReadOnlyList<RequestMessage> messages)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var message in messages)
        {
            Append(hash, message.Role);
            Append(hash, message.Text());
            Append(hash, message.ToolCallId);
            foreach (var call in message.ToolCalls ?? [])
                Append(hash, call.Id);
        }

        return hash.GetHashAndReset();
    }

    private static void Append(IncrementalHash hash, string? value)
    {
        hash.AppendData(Encoding.UTF8.GetBytes(value ?? ""));
        hash.AppendData([0]);
    }
}
