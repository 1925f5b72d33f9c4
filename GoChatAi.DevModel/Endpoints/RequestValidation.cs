using System.Text.Json;
using System.Text.RegularExpressions;
using GoChatAi.DevModel.Protocol;

namespace GoChatAi.DevModel.Endpoints;

/// <summary>
/// OpenAI's checks of a chat.completions request, answered with its 400s: what the real API refuses, the stand-in
/// refuses too, so that a client's mistake shows up in a test rather than first in production.
/// </summary>
internal static partial class RequestValidation
{
    private const int MaxStopSequences = 4;

    private static readonly string[] s_roles = ["system", "assistant", "user", "function", "tool", "developer"];
    private static readonly string[] s_toolChoices = ["none", "auto", "required"];
    private static readonly string[] s_responseFormats = [ResponseFormat.TextType, ResponseFormat.JsonObjectType, ResponseFormat.JsonSchemaType];

    /// <summary>The first thing OpenAI would refuse in the request, or null; and the tool choice it makes.</summary>
    public static OpenAiError? Check(ChatCompletionRequest request, IReadOnlyList<RequestMessage> messages, out ToolChoice toolChoice)
    {
        toolChoice = ToolChoice.None;
        return CheckMessages(messages)
            ?? CheckTools(request.Tools)
            ?? ReadToolChoice(request, out toolChoice)
            ?? CheckResponseFormat(request.ResponseFormat, messages)
            ?? CheckSampling(request);
    }

    /// <summary>
    /// Roles, content, and the pairing of tool calls with their results: every call of an assistant message is
    /// answered by a tool message right after it, and a tool message answers a call of that assistant message.
    /// </summary>
    private static OpenAiError? CheckMessages(IReadOnlyList<RequestMessage> messages)
    {
        var unanswered = new List<string>();
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            var path = $"messages[{i}]";
            if (message.Role is not { } role)
                return OpenAiError.MissingParameter(path + ".role");
            if (!s_roles.Contains(role, StringComparer.Ordinal))
                return OpenAiError.InvalidValue(path + ".role", role, s_roles);
            if (unanswered.Count > 0 && role != "tool")
                return OpenAiError.ToolCallsUnanswered(unanswered);
            if (message.Content is { ValueKind: not (JsonValueKind.String or JsonValueKind.Array or JsonValueKind.Null) } content)
                return OpenAiError.InvalidType(path + ".content", "one of a string or an array of objects", Describe(content.ValueKind));

            switch (role)
            {
                case "assistant":
                    if (!message.HasContent && message.ToolCalls is not { Count: > 0 })
                        return OpenAiError.MissingParameter(path + ".content");
                    for (var j = 0; j < (message.ToolCalls?.Count ?? 0); j++)
                    {
                        var call = message.ToolCalls![j];
                        if (call.Id is not { Length: > 0 } id)
                            return OpenAiError.MissingParameter($"{path}.tool_calls[{j}].id");
                        if (call.Function?.Name is not { Length: > 0 })
                            return OpenAiError.MissingParameter($"{path}.tool_calls[{j}].function.name");
                        unanswered.Add(id);
                    }

                    break;
                case "tool":
                    if (message.ToolCallId is not { } toolCallId)
                        return OpenAiError.MissingParameter(path + ".tool_call_id");
                    if (!unanswered.Remove(toolCallId))
                        return OpenAiError.ToolResultWithoutCall(toolCallId);
                    if (!message.HasContent)
                        return OpenAiError.MissingParameter(path + ".content");
                    break;
                case "function":
                    break;
                default:
                    if (!message.HasContent)
                        return OpenAiError.MissingParameter(path + ".content");
                    break;
            }
        }

        return unanswered.Count > 0 ? OpenAiError.ToolCallsUnanswered(unanswered) : null;
    }

    private static OpenAiError? CheckTools(List<ToolDefinition>? tools)
    {
        if (tools is null)
            return null;
        if (tools.Count == 0)
            return OpenAiError.EmptyArray("tools");

        for (var i = 0; i < tools.Count; i++)
        {
            var tool = tools[i];
            var path = $"tools[{i}]";
            if (tool.Type is not { } type)
                return OpenAiError.MissingParameter(path + ".type");
            if (type != "function")
                return OpenAiError.InvalidValue(path + ".type", type, ["function"]);
            if (tool.Function is not { } function)
                return OpenAiError.MissingParameter(path + ".function");
            if (function.Name is not { } name)
                return OpenAiError.MissingParameter(path + ".function.name");
            if (!FunctionNamePattern().IsMatch(name))
                return OpenAiError.BadName(path + ".function.name", name);
            if (function.Parameters is { ValueKind: not (JsonValueKind.Object or JsonValueKind.Null) } parameters)
                return OpenAiError.InvalidType(path + ".function.parameters", "an object", Describe(parameters.ValueKind));
        }

        return null;
    }

    /// <summary>
    /// Reads tool_choice: OpenAI's default is "auto" with tools and "none" without. "required" and a named function
    /// need tools (the name one of them); "none" and "auto" without tools are let through, as lenient servers do.
    /// </summary>
    private static OpenAiError? ReadToolChoice(ChatCompletionRequest request, out ToolChoice toolChoice)
    {
        var tools = request.Tools ?? [];
        toolChoice = tools.Count > 0 ? ToolChoice.Auto : ToolChoice.None;
        if (request.ParallelToolCalls is not null && tools.Count == 0)
            return OpenAiError.OnlyWithTools("parallel_tool_calls");

        switch (request.ToolChoice)
        {
            case null or { ValueKind: JsonValueKind.Null }:
                return null;
            case { ValueKind: JsonValueKind.String } text:
                var value = text.GetString()!;
                if (!s_toolChoices.Contains(value, StringComparer.Ordinal))
                    return OpenAiError.InvalidValue("tool_choice", value, s_toolChoices);
                if (value == "required" && tools.Count == 0)
                    return OpenAiError.OnlyWithTools("tool_choice");
                toolChoice = value switch
                {
                    "none" => ToolChoice.None,
                    "auto" => ToolChoice.Auto,
                    _ => ToolChoice.Required,
                };
                return null;
            case { ValueKind: JsonValueKind.Object } named:
                if (!named.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
                    return OpenAiError.MissingParameter("tool_choice.type");
                if (type.GetString() is not "function")
                    return OpenAiError.InvalidValue("tool_choice.type", type.GetString()!, ["function"]);
                if (!named.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object
                    || !function.TryGetProperty("name", out var nameElement) || nameElement.ValueKind != JsonValueKind.String)
                    return OpenAiError.MissingParameter("tool_choice.function.name");
                var name = nameElement.GetString()!;
                if (tools.Count == 0)
                    return OpenAiError.OnlyWithTools("tool_choice");
                if (!tools.Any(tool => tool.Function?.Name == name))
                    return OpenAiError.UnknownToolChoice(name);
                toolChoice = ToolChoice.Function(name);
                return null;
            case { } other:
                return OpenAiError.InvalidType("tool_choice", "one of a string or an object", Describe(other.ValueKind));
        }
    }

    private static OpenAiError? CheckResponseFormat(ResponseFormat? format, IReadOnlyList<RequestMessage> messages)
    {
        switch (format?.Type)
        {
            case null when format is null:
            case ResponseFormat.TextType:
                return null;
            case null:
                return OpenAiError.MissingParameter("response_format.type");
            case ResponseFormat.JsonObjectType:
                // OpenAI's guard against a model writing whitespace until max_tokens: the prompt must ask for JSON.
                return messages.Any(message => message.Text().Contains("json", StringComparison.OrdinalIgnoreCase))
                    ? null
                    : OpenAiError.NoJsonInMessages;
            case ResponseFormat.JsonSchemaType:
                if (format.JsonSchema is not { } jsonSchema)
                    return OpenAiError.MissingParameter("response_format.json_schema");
                if (jsonSchema.Name is not { } name)
                    return OpenAiError.MissingParameter("response_format.json_schema.name");
                if (!FunctionNamePattern().IsMatch(name))
                    return OpenAiError.BadName("response_format.json_schema.name", name);
                if (jsonSchema.Schema is { ValueKind: not (JsonValueKind.Object or JsonValueKind.Null) } schema)
                    return OpenAiError.InvalidType("response_format.json_schema.schema", "an object", Describe(schema.ValueKind));
                return null;
            case { } other:
                return OpenAiError.InvalidValue("response_format.type", other, s_responseFormats);
        }
    }

    private static OpenAiError? CheckSampling(ChatCompletionRequest request)
    {
        if (request.N is int n and < 1)
            return OpenAiError.BelowMinimum("n", n);
        if (request.N is int several and > 1)
            return OpenAiError.SeveralChoices(several);
        if (request.Temperature is double temperature and (< 0 or > 2))
            return OpenAiError.DecimalOutOfRange("temperature", temperature, 0, 2);
        if (request.TopP is double topP and (< 0 or > 1))
            return OpenAiError.DecimalOutOfRange("top_p", topP, 0, 1);

        switch (request.Stop)
        {
            case null or { ValueKind: JsonValueKind.Null or JsonValueKind.String }:
                return null;
            case { ValueKind: JsonValueKind.Array } sequences:
                if (sequences.EnumerateArray().FirstOrDefault(s => s.ValueKind != JsonValueKind.String) is { ValueKind: not JsonValueKind.Undefined } notText)
                    return OpenAiError.InvalidType("stop", "one of a string or an array of strings", "an array containing " + Describe(notText.ValueKind));
                var count = sequences.GetArrayLength();
                return count > MaxStopSequences ? OpenAiError.ArrayTooLong("stop", MaxStopSequences, count) : null;
            case { } other:
                return OpenAiError.InvalidType("stop", "one of a string or an array of strings", Describe(other.ValueKind));
        }
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    // OpenAI's pattern for function and json_schema names.
    [GeneratedRegex("^[a-zA-Z0-9_-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex FunctionNamePattern();
}
