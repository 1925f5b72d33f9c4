using System.Text.Json;
using GoChatAi.ChatService.Application;
using GoChatAi.ChatService.Domain;
using GoChatAi.ServiceDefaults.Errors;
using Microsoft.Extensions.AI;
using AiChatOptions = Microsoft.Extensions.AI.ChatOptions;
using ChatOptions = GoChatAi.ChatService.Application.ChatOptions;

namespace GoChatAi.ChatService.Http.OpenAi;

/// <summary>A chat completion request as read from OpenAI's wire format: what to ask the model, and how to answer.</summary>
public sealed record ChatCompletionCall(ChatModel Model, IReadOnlyList<ChatMessage> Messages, AiChatOptions Options, bool Stream, bool IncludeUsage, bool Store);

/// <summary>
/// Reads <c>POST /openai/v1/chat/completions</c> bodies into a <see cref="ChatCompletionCall"/>, once, at the edge.
/// Every parameter is either honoured or refused with a 400 that names it (OpenAI's <c>param</c>): nothing a caller
/// asks for is silently ignored.
/// </summary>
public static class ChatCompletionRequestReader
{
    /// <summary>Parameters that OpenAI has and GoChatAi cannot honour, with why.</summary>
    private static readonly Dictionary<string, string> s_unsupported = new(StringComparer.Ordinal)
    {
        ["logit_bias"] = "is not supported",
        ["top_logprobs"] = "is not supported: log probabilities are not available",
        ["audio"] = "is not supported: GoChatAi answers with text",
        ["prediction"] = "is not supported",
        ["web_search_options"] = "is not supported",
        ["functions"] = "is deprecated by OpenAI and not supported: use tools",
        ["function_call"] = "is deprecated by OpenAI and not supported: use tool_choice",
        ["metadata"] = "is not supported",
        ["service_tier"] = "is not supported",
        ["reasoning_effort"] = "is not supported",
    };

    public static ChatCompletionCall Read(JsonElement body, ModelCatalog models, ChatOptions limits)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw Invalid("", "The request body must be a JSON object.");
        }

        string? modelId = null;
        List<ChatMessage>? messages = null;
        var options = new AiChatOptions();
        bool stream = false, includeUsage = false, store = false;
        int? maxTokens = null, maxCompletionTokens = null;
        string? user = null;
        JsonElement? toolChoice = null;
        foreach (var property in body.EnumerateObject())
        {
            var value = property.Value;
            if (value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            switch (property.Name)
            {
                case "model":
                    modelId = String(value, "model");
                    break;
                case "messages":
                    messages = ReadMessages(value, limits);
                    break;
                case "stream":
                    stream = Boolean(value, "stream");
                    break;
                case "stream_options":
                    includeUsage = Object(value, "stream_options").TryGetProperty("include_usage", out var include) && include.ValueKind != JsonValueKind.Null && Boolean(include, "stream_options.include_usage");
                    break;
                case "temperature":
                    options.Temperature = (float)Number(value, "temperature", 0, 2);
                    break;
                case "top_p":
                    options.TopP = (float)Number(value, "top_p", 0, 1);
                    break;
                case "frequency_penalty":
                    options.FrequencyPenalty = (float)Number(value, "frequency_penalty", -2, 2);
                    break;
                case "presence_penalty":
                    options.PresencePenalty = (float)Number(value, "presence_penalty", -2, 2);
                    break;
                case "max_tokens":
                    maxTokens = (int)Number(value, "max_tokens", 1, int.MaxValue);
                    break;
                case "max_completion_tokens":
                    maxCompletionTokens = (int)Number(value, "max_completion_tokens", 1, int.MaxValue);
                    break;
                case "stop":
                    options.StopSequences = ReadStop(value);
                    break;
                case "seed":
                    options.Seed = value.TryGetInt64(out var seed) ? seed : throw Invalid("seed", "seed must be an integer.");
                    break;
                case "user":
                    user = String(value, "user");
                    break;
                case "n":
                    if (Number(value, "n", 1, 128) != 1)
                    {
                        throw Invalid("n", "n must be 1: GoChatAi answers with one choice.");
                    }

                    break;
                case "logprobs":
                    if (Boolean(value, "logprobs"))
                    {
                        throw Invalid("logprobs", "logprobs is not supported: log probabilities are not available.");
                    }

                    break;
                case "modalities":
                    if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(m => m.ValueKind != JsonValueKind.String || m.GetString() != "text"))
                    {
                        throw Invalid("modalities", "modalities is not supported beyond [\"text\"]: GoChatAi answers with text.");
                    }

                    break;
                case "response_format":
                    options.ResponseFormat = ReadResponseFormat(value);
                    break;
                case "tools":
                    options.Tools = ReadTools(value);
                    break;
                case "tool_choice":
                    toolChoice = value;
                    break;
                case "parallel_tool_calls":
                    options.AllowMultipleToolCalls = Boolean(value, "parallel_tool_calls");
                    break;
                case "store":
                    store = Boolean(value, "store");
                    break;
                default:
                    throw s_unsupported.TryGetValue(property.Name, out var why)
                        ? Invalid(property.Name, $"{property.Name} {why}.")
                        : Invalid(property.Name, $"Unrecognized request argument supplied: {property.Name}");
            }
        }

        if (modelId is null)
        {
            throw Invalid("model", "you must provide a model parameter.");
        }

        if (messages is null || messages.Count == 0)
        {
            throw Invalid("messages", "messages must be a non-empty array.");
        }

        var model = models.Find(modelId) ?? throw new ServiceException(ErrorKind.NotFound,
            $"The model `{modelId}` does not exist or you do not have access to it.") { Reason = ErrorReasons.ModelNotFound };
        options.ModelId = model.Id;
        options.MaxOutputTokens = ReadMaxTokens(maxTokens, maxCompletionTokens, model);
        options.ToolMode = toolChoice is { } choice ? ReadToolChoice(choice, options.Tools) : null;
        if (user is not null)
        {
            // Who the end user is, passed to the provider for its abuse monitoring (OpenAI's own field).
            options.RawRepresentationFactory = _ => new OpenAI.Chat.ChatCompletionOptions { EndUserId = user };
        }

        return new ChatCompletionCall(model, messages, options, stream, includeUsage, store);
    }

    private static int? ReadMaxTokens(int? maxTokens, int? maxCompletionTokens, ChatModel model)
    {
        var (field, asked) = maxCompletionTokens is { } completion ? ("max_completion_tokens", (int?)completion) : ("max_tokens", maxTokens);
        return asked > model.MaxOutputTokens
            ? throw Invalid(field, $"{field} is too large: {asked}. This model supports at most {model.MaxOutputTokens} completion tokens.")
            : asked;
    }

    private static List<ChatMessage> ReadMessages(JsonElement value, ChatOptions limits)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw Invalid("messages", "messages must be an array.");
        }

        var messages = new List<ChatMessage>();
        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            var at = $"messages[{index++}]";
            var message = Object(item, at);
            var role = message.TryGetProperty("role", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
            var text = message.TryGetProperty("content", out var content) ? ReadContent(content, $"{at}.content", limits) : null;
            messages.Add(role switch
            {
                "system" => new ChatMessage(ChatRole.System, text ?? throw Invalid($"{at}.content", $"{at}.content is required.")),
                "developer" => new ChatMessage(new ChatRole("developer"), text ?? throw Invalid($"{at}.content", $"{at}.content is required.")),
                "user" => new ChatMessage(ChatRole.User, text ?? throw Invalid($"{at}.content", $"{at}.content is required.")),
                "assistant" => ReadAssistant(message, text, at),
                "tool" => new ChatMessage(ChatRole.Tool,
                [
                    new FunctionResultContent(
                        message.TryGetProperty("tool_call_id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString()! : throw Invalid($"{at}.tool_call_id", $"{at}.tool_call_id is required."),
                        text ?? ""),
                ]),
                _ => throw Invalid($"{at}.role", $"{at}.role must be one of system, developer, user, assistant, tool."),
            });
            if (message.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String)
            {
                messages[^1].AuthorName = name.GetString();
            }
        }

        return messages;
    }

    private static ChatMessage ReadAssistant(JsonElement message, string? text, string at)
    {
        var contents = new List<AIContent>();
        if (!string.IsNullOrEmpty(text))
        {
            contents.Add(new TextContent(text));
        }

        if (message.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
        {
            var index = 0;
            foreach (var call in calls.EnumerateArray())
            {
                var where = $"{at}.tool_calls[{index++}]";
                var id = call.TryGetProperty("id", out var i) && i.ValueKind == JsonValueKind.String ? i.GetString()! : throw Invalid($"{where}.id", $"{where}.id is required.");
                var function = call.TryGetProperty("function", out var f) ? Object(f, $"{where}.function") : throw Invalid($"{where}.function", $"{where}.function is required.");
                var name = function.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : throw Invalid($"{where}.function.name", $"{where}.function.name is required.");
                var arguments = function.TryGetProperty("arguments", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString()! : "{}";
                contents.Add(new FunctionCallContent(id, name, ParseArguments(arguments, $"{where}.function.arguments")));
            }
        }

        return contents.Count > 0 ? new ChatMessage(ChatRole.Assistant, contents) : throw Invalid($"{at}.content", $"{at} needs content or tool_calls.");
    }

    private static Dictionary<string, object?> ParseArguments(string arguments, string field)
    {
        try
        {
            using var parsed = JsonDocument.Parse(arguments);
            return parsed.RootElement.ValueKind == JsonValueKind.Object
                ? parsed.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone())
                : throw Invalid(field, $"{field} must be a JSON object.");
        }
        catch (JsonException)
        {
            throw Invalid(field, $"{field} must be a JSON object.");
        }
    }

    /// <summary>
    /// A message's text: a string, or an array of text parts (joined); other kinds of parts are refused. Null for
    /// <c>"content": null</c>, which only an assistant's tool calls may send.
    /// </summary>
    private static string? ReadContent(JsonElement content, string field, ChatOptions limits)
    {
        string text;
        if (content.ValueKind == JsonValueKind.String)
        {
            text = content.GetString()!;
        }
        else if (content.ValueKind == JsonValueKind.Array)
        {
            var parts = new List<string>();
            var index = 0;
            foreach (var part in content.EnumerateArray())
            {
                var at = $"{field}[{index++}]";
                var type = Object(part, at).TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
                parts.Add(type == "text" && part.TryGetProperty("text", out var partText) && partText.ValueKind == JsonValueKind.String
                    ? partText.GetString()!
                    : throw Invalid($"{at}.type", $"{at}.type must be text: GoChatAi reads text only."));
            }

            text = string.Concat(parts);
        }
        else if (content.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        else
        {
            throw Invalid(field, $"{field} must be a string or an array of text parts.");
        }

        return text.Length > limits.MaxMessageLength
            ? throw Invalid(field, $"{field} is longer than {limits.MaxMessageLength} characters.")
            : text;
    }

    private static List<string> ReadStop(JsonElement value)
    {
        var stops = value.ValueKind switch
        {
            JsonValueKind.String => [value.GetString()!],
            JsonValueKind.Array when value.EnumerateArray().All(s => s.ValueKind == JsonValueKind.String) => value.EnumerateArray().Select(s => s.GetString()!).ToList(),
            _ => throw Invalid("stop", "stop must be a string or an array of strings."),
        };
        return stops.Count is 0 or > 4 || stops.Any(s => s.Length == 0)
            ? throw Invalid("stop", "stop must have 1 to 4 non-empty sequences.")
            : stops;
    }

    private static ChatResponseFormat ReadResponseFormat(JsonElement value)
    {
        var format = Object(value, "response_format");
        var type = format.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        switch (type)
        {
            case "text":
                return ChatResponseFormat.Text;
            case "json_object":
                return ChatResponseFormat.Json;
            case "json_schema":
                var schema = format.TryGetProperty("json_schema", out var s) ? Object(s, "response_format.json_schema") : throw Invalid("response_format.json_schema", "response_format.json_schema is required.");
                var name = schema.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : throw Invalid("response_format.json_schema.name", "response_format.json_schema.name is required.");
                var description = schema.TryGetProperty("description", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
                var definition = schema.TryGetProperty("schema", out var body) ? Object(body, "response_format.json_schema.schema").Clone() : JsonDocument.Parse("{}").RootElement;
                return ChatResponseFormat.ForJsonSchema(definition, name, description);
            default:
                throw Invalid("response_format.type", "response_format.type must be one of text, json_object, json_schema.");
        }
    }

    private static List<AITool> ReadTools(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw Invalid("tools", "tools must be an array.");
        }

        var tools = new List<AITool>();
        var index = 0;
        foreach (var tool in value.EnumerateArray())
        {
            var at = $"tools[{index++}]";
            if (!(Object(tool, at).TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "function"))
            {
                throw Invalid($"{at}.type", $"{at}.type must be function.");
            }

            var function = tool.TryGetProperty("function", out var f) ? Object(f, $"{at}.function") : throw Invalid($"{at}.function", $"{at}.function is required.");
            var name = function.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String && n.GetString() is { Length: > 0 and <= 64 } named
                ? named
                : throw Invalid($"{at}.function.name", $"{at}.function.name is required (at most 64 characters).");
            var description = function.TryGetProperty("description", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() ?? "" : "";
            var parameters = function.TryGetProperty("parameters", out var p) ? Object(p, $"{at}.function.parameters").Clone() : JsonDocument.Parse("""{"type":"object","properties":{}}""").RootElement;
            tools.Add(AIFunctionFactory.CreateDeclaration(name, description, parameters));
        }

        return tools;
    }

    private static ChatToolMode ReadToolChoice(JsonElement value, IList<AITool>? tools)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            return value.GetString() switch
            {
                "none" => ChatToolMode.None,
                "auto" => ChatToolMode.Auto,
                "required" when tools is { Count: > 0 } => ChatToolMode.RequireAny,
                "required" => throw Invalid("tool_choice", "tool_choice required needs tools."),
                _ => throw Invalid("tool_choice", "tool_choice must be none, auto, required or a function."),
            };
        }

        var name = value.ValueKind == JsonValueKind.Object && value.TryGetProperty("function", out var f) && f.ValueKind == JsonValueKind.Object &&
            f.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : throw Invalid("tool_choice", "tool_choice must be none, auto, required or a function.");
        return tools?.Any(t => t.Name == name) == true
            ? ChatToolMode.RequireSpecific(name)
            : throw Invalid("tool_choice", $"tool_choice names {name}, which is not among the tools.");
    }

    private static JsonElement Object(JsonElement value, string field) =>
        value.ValueKind == JsonValueKind.Object ? value : throw Invalid(field, $"{field} must be an object.");

    private static string String(JsonElement value, string field) =>
        value.ValueKind == JsonValueKind.String ? value.GetString()! : throw Invalid(field, $"{field} must be a string.");

    private static bool Boolean(JsonElement value, string field) =>
        value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : throw Invalid(field, $"{field} must be a boolean.");

    private static double Number(JsonElement value, string field, double min, double max) =>
        value.ValueKind == JsonValueKind.Number && value.GetDouble() is var number && number >= min && number <= max
            ? number
            : throw Invalid(field, $"{field} must be a number from {min} to {max}.");

    private static ServiceException Invalid(string field, string message) =>
        new(ErrorKind.InvalidArgument, message, field.Length == 0 ? null : [new FieldViolation(field, message)]);
}
