using System.Text.Json;
using GoChatAi.ChatService.Application.Commands;
using GoChatAi.ChatService.Domain;
using GoChatAi.Contracts.Chat.V1;
using GoChatAi.ServiceDefaults.Errors;
using Google.Protobuf;
using DomainFinishReason = GoChatAi.ChatService.Domain.FinishReason;

namespace GoChatAi.ChatService.Grpc;

/// <summary>
/// Reads an imported file, whole, into an <see cref="ImportCommand"/>: one draft per conversation, in the file's order.
/// The file is refused as a whole (INVALID_ARGUMENT, nothing imported) when it is too large, not JSON, of no format
/// known, or not of the format named; a conversation in it that cannot be read becomes a draft refused with the reason,
/// so that the others are imported all the same. ImportConversations (gRPC) and POST /v1/chat/import read files here.
/// </summary>
internal static class ImportFileReading
{
    /// <summary>What a GoChatAi export says it is (ConversationArchive.format).</summary>
    public const string ArchiveFormat = "gochatai.conversations";

    /// <summary>The GoChatAi export's version this service writes and reads.</summary>
    public const int ArchiveVersion = 1;

    private static readonly JsonParser s_parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    public static ImportCommand ToCommand(this ImportConversationsRequest request, int maxBytes) =>
        Read(request.Format, request.File.Memory, maxBytes);

    /// <summary>The kind of file named by the REST upload's <c>format</c> parameter (absent: recognised from the file).</summary>
    public static ImportFormat ParseFormat(string? format) => format switch
    {
        null or "" => ImportFormat.Unspecified,
        "gochatai" => ImportFormat.Gochatai,
        "chatgpt" => ImportFormat.Chatgpt,
        _ => throw ServiceException.InvalidArgument("format", "must be gochatai or chatgpt (or absent, to recognise the file)"),
    };

    public static ImportCommand Read(ImportFormat format, ReadOnlyMemory<byte> file, int maxBytes)
    {
        if (!Enum.IsDefined(format))
        {
            throw ServiceException.InvalidArgument("format", "is not a format ImportConversations reads");
        }

        if (file.Length > maxBytes)
        {
            throw TooLarge(maxBytes);
        }

        if (file.Length == 0)
        {
            throw ServiceException.InvalidArgument("file", "is required");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(file);
        }
        catch (Exception exception) when (exception is JsonException or ArgumentException)
        {
            throw ServiceException.InvalidArgument("file", "is not well-formed UTF-8 JSON");
        }

        using (document)
        {
            var root = document.RootElement;
            var found = Recognise(root)
                ?? throw ServiceException.InvalidArgument("file", "is neither a GoChatAi export (a ConversationArchive) nor ChatGPT's conversations.json");
            if (format != ImportFormat.Unspecified && format != found)
            {
                throw ServiceException.InvalidArgument("format", found == ImportFormat.Gochatai
                    ? "does not match the file, which is a GoChatAi export (use gochatai, or leave format out)"
                    : "does not match the file, which is ChatGPT's conversations.json (use chatgpt, or leave format out)");
            }

            return found == ImportFormat.Gochatai ? ReadArchive(root) : new ImportCommand(ImportSource.ChatGpt, ChatGptExportReading.Read(root));
        }
    }

    /// <summary>Over the deployment's limit: what the upload and the call answer, before reading anything.</summary>
    public static ServiceException TooLarge(int maxBytes) =>
        ServiceException.InvalidArgument("file", $"must be at most {maxBytes} bytes ({maxBytes / (1024.0 * 1024.0):0.#} MiB)");

    private static ImportFormat? Recognise(JsonElement root) => root.ValueKind switch
    {
        JsonValueKind.Object when root.TryGetProperty("format", out var name) && name.ValueKind == JsonValueKind.String && name.GetString() == ArchiveFormat
            => ImportFormat.Gochatai,
        // ChatGPT's file is an array of conversations, each with its tree in "mapping".
        JsonValueKind.Array when root.GetArrayLength() == 0 || root.EnumerateArray().Any(c => c.ValueKind == JsonValueKind.Object && c.TryGetProperty("mapping", out _))
            => ImportFormat.Chatgpt,
        _ => null,
    };

    private static ImportCommand ReadArchive(JsonElement root)
    {
        if (!root.TryGetProperty("version", out var version) || !version.TryGetInt32(out var number) || number != ArchiveVersion)
        {
            throw ServiceException.InvalidArgument("file", $"is not a GoChatAi export of version {ArchiveVersion}, the one this service reads");
        }

        var drafts = new List<ConversationDraft>();
        if (root.TryGetProperty("conversations", out var conversations))
        {
            if (conversations.ValueKind != JsonValueKind.Array)
            {
                throw ServiceException.InvalidArgument("file", "is not a GoChatAi export: its conversations are not a list");
            }

            var index = 0;
            foreach (var element in conversations.EnumerateArray())
            {
                index++;
                drafts.Add(ReadExported(element, index));
            }
        }

        return new ImportCommand(ImportSource.GoChatAi, drafts);
    }

    private static ConversationDraft ReadExported(JsonElement element, int index)
    {
        var fallbackId = $"#{index}";
        ExportedConversation exported;
        try
        {
            exported = s_parser.Parse<ExportedConversation>(element.GetRawText());
        }
        catch (Exception exception) when (exception is InvalidProtocolBufferException or InvalidJsonException or FormatException)
        {
            return ConversationDraft.Unreadable(fallbackId, null, "It is not a conversation of a GoChatAi export: " + exception.Message);
        }

        var conversation = exported.Conversation;
        if (conversation is null || conversation.Id.Length == 0)
        {
            return ConversationDraft.Unreadable(fallbackId, conversation?.Title, "It has no conversation id.");
        }

        var messages = new List<MessageDraft>(exported.Messages.Count);
        foreach (var message in exported.Messages)
        {
            if (message.Id.Length == 0)
            {
                return ConversationDraft.Unreadable(conversation.Id, conversation.Title, "A message has no id.");
            }

            messages.Add(new MessageDraft(
                message.Id,
                message.ParentId.Length == 0 ? null : message.ParentId,
                message.Role switch
                {
                    Role.User => MessageRole.User,
                    Role.Assistant => MessageRole.Assistant,
                    Role.System => MessageRole.System,
                    _ => default,
                },
                message.Content,
                message.Model.Length == 0 ? null : message.Model,
                // An answer exported while it was still being written ends there: incomplete.
                message.Status == Contracts.Chat.V1.MessageStatus.Generating ? DomainFinishReason.Incomplete : message.FinishReason switch
                {
                    Contracts.Chat.V1.FinishReason.Stop => DomainFinishReason.Stop,
                    Contracts.Chat.V1.FinishReason.Length => DomainFinishReason.Length,
                    Contracts.Chat.V1.FinishReason.ContentFilter => DomainFinishReason.ContentFilter,
                    Contracts.Chat.V1.FinishReason.Cancelled => DomainFinishReason.Cancelled,
                    Contracts.Chat.V1.FinishReason.Incomplete => DomainFinishReason.Incomplete,
                    _ => null,
                },
                message.Usage?.PromptTokens,
                message.Usage?.CompletionTokens,
                message.CreatedAt?.ToDateTimeOffset()));
        }

        return new ConversationDraft(
            conversation.Id,
            conversation.Title.Length == 0 ? null : conversation.Title,
            conversation.SystemPrompt.Length == 0 ? null : conversation.SystemPrompt,
            conversation.Model.Length == 0 ? null : conversation.Model,
            conversation.CreatedAt?.ToDateTimeOffset(),
            conversation.UpdatedAt?.ToDateTimeOffset(),
            conversation.Pinned,
            conversation.Archived,
            conversation.ActiveLeafId.Length == 0 ? null : conversation.ActiveLeafId,
            messages);
    }
}

/// <summary>
/// ChatGPT's conversations.json (Settings, Data controls, Export data): an array of conversations, each a tree of
/// nodes in <c>mapping</c> (node id to its message, parent and children) with <c>current_node</c> the leaf shown.
/// The user's and the model's messages with text are kept; the empty root, system, tool and hidden messages and empty
/// ones are skipped, their followers attached to the nearest message kept above them; what the user would miss
/// (images and files, messages that are not text such as code runs or reasoning) is counted in the item's note.
/// </summary>
internal static class ChatGptExportReading
{
    public static List<ConversationDraft> Read(JsonElement root)
    {
        var drafts = new List<ConversationDraft>(root.GetArrayLength());
        var index = 0;
        foreach (var element in root.EnumerateArray())
        {
            index++;
            drafts.Add(ReadConversation(element, index));
        }

        return drafts;
    }

    private static ConversationDraft ReadConversation(JsonElement conversation, int index)
    {
        if (conversation.ValueKind != JsonValueKind.Object)
        {
            return ConversationDraft.Unreadable($"#{index}", null, "It is not a conversation (not a JSON object).");
        }

        var title = String(conversation, "title");
        var id = String(conversation, "id") ?? String(conversation, "conversation_id");
        if (string.IsNullOrEmpty(id))
        {
            return ConversationDraft.Unreadable($"#{index}", title, "It has no id.");
        }

        if (!conversation.TryGetProperty("mapping", out var mapping) || mapping.ValueKind != JsonValueKind.Object)
        {
            return ConversationDraft.Unreadable(id, title, "It has no messages (no mapping).");
        }

        var nodes = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var node in mapping.EnumerateObject())
        {
            if (node.Value.ValueKind == JsonValueKind.Object)
            {
                nodes[String(node.Value, "id") ?? node.Name] = node.Value;
            }
        }

        var createdAt = Time(conversation, "create_time");
        var kept = new Dictionary<string, (MessageRole Role, string Text, JsonElement Message)>(StringComparer.Ordinal);
        var (droppedParts, droppedMessages) = (0, 0);
        foreach (var (nodeId, node) in nodes)
        {
            if (Keep(node, ref droppedParts, ref droppedMessages) is { } message)
            {
                kept[nodeId] = message;
            }
        }

        // The nearest kept node at or above a node; null above the first message. A chain longer than the tree loops.
        string? NearestKept(string? nodeId, out bool loops)
        {
            loops = false;
            for (var steps = 0; nodeId is not null && nodes.TryGetValue(nodeId, out var node); steps++)
            {
                if (steps > nodes.Count)
                {
                    loops = true;
                    return null;
                }

                if (kept.ContainsKey(nodeId))
                {
                    return nodeId;
                }

                nodeId = String(node, "parent");
            }

            return null;
        }

        var messages = new List<MessageDraft>(kept.Count);
        foreach (var (nodeId, (role, text, message)) in kept)
        {
            var parent = NearestKept(String(nodes[nodeId], "parent"), out var loops);
            if (loops)
            {
                return ConversationDraft.Unreadable(id, title, "Its messages follow each other in a loop.");
            }

            var metadata = message.TryGetProperty("metadata", out var found) && found.ValueKind == JsonValueKind.Object ? found : default;
            messages.Add(new MessageDraft(
                nodeId,
                parent,
                role,
                text,
                role == MessageRole.Assistant ? String(metadata, "model_slug") : null,
                role == MessageRole.Assistant ? FinishReasonOf(metadata) : null,
                null,
                null,
                Time(message, "create_time") ?? createdAt));
        }

        if (messages.Count == 0)
        {
            return ConversationDraft.Unreadable(id, title, "It has no message from you or the model with text.");
        }

        var activeLeaf = NearestKept(String(conversation, "current_node"), out _);
        return new ConversationDraft(id, title, null, null, createdAt, Time(conversation, "update_time"), false, false, activeLeaf, messages,
            Omitted(droppedParts, droppedMessages));
    }

    /// <summary>A node's message when it is one to keep: the user's or the model's, shown, with text.</summary>
    private static (MessageRole Role, string Text, JsonElement Message)? Keep(JsonElement node, ref int droppedParts, ref int droppedMessages)
    {
        if (!node.TryGetProperty("message", out var message) || message.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var role = message.TryGetProperty("author", out var author) ? String(author, "role") : null;
        if (role is not ("user" or "assistant"))
        {
            return null;
        }

        if (message.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object
            && metadata.TryGetProperty("is_visually_hidden_from_conversation", out var hidden) && hidden.ValueKind == JsonValueKind.True)
        {
            return null;
        }

        // The model's calls to its tools (browser, code) are addressed to them, not to the user.
        if (String(message, "recipient") is { } recipient && recipient != "all")
        {
            droppedMessages++;
            return null;
        }

        var content = message.TryGetProperty("content", out var found) && found.ValueKind == JsonValueKind.Object ? found : default;
        if (String(content, "content_type") is not ("text" or "multimodal_text"))
        {
            droppedMessages++;
            return null;
        }

        var texts = new List<string>();
        if (content.TryGetProperty("parts", out var parts) && parts.ValueKind == JsonValueKind.Array)
        {
            foreach (var part in parts.EnumerateArray())
            {
                if (part.ValueKind == JsonValueKind.String)
                {
                    texts.Add(part.GetString()!);
                }
                else if (part.ValueKind != JsonValueKind.Null)
                {
                    droppedParts++;
                }
            }
        }

        var text = string.Join("\n", texts.Where(t => t.Length > 0));
        return string.IsNullOrWhiteSpace(text) ? null : (role == "user" ? MessageRole.User : MessageRole.Assistant, text, message);
    }

    private static DomainFinishReason FinishReasonOf(JsonElement metadata) =>
        metadata.ValueKind == JsonValueKind.Object && metadata.TryGetProperty("finish_details", out var details) && details.ValueKind == JsonValueKind.Object
            ? String(details, "type") switch
            {
                "max_tokens" => DomainFinishReason.Length,
                "interrupted" => DomainFinishReason.Cancelled,
                _ => DomainFinishReason.Stop,
            }
            : DomainFinishReason.Stop;

    private static string? Omitted(int parts, int messages)
    {
        var said = new List<string>();
        if (parts > 0)
        {
            said.Add(parts == 1 ? "1 image or file" : $"{parts} images or files");
        }

        if (messages > 0)
        {
            said.Add(messages == 1 ? "1 message that is not text (a tool call, code, or reasoning)" : $"{messages} messages that are not text (tool calls, code, or reasoning)");
        }

        return said.Count == 0 ? null : $"Left out: {string.Join(" and ", said)}.";
    }

    private static string? String(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>Unix seconds (ChatGPT writes them with a fraction); null when absent or out of range.</summary>
    private static DateTimeOffset? Time(JsonElement element, string property)
    {
        // As a decimal, so that the microseconds written are the ones read.
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(property, out var value) || value.ValueKind != JsonValueKind.Number
            || !value.TryGetDecimal(out var seconds) || !(seconds is >= 0 and < 253_402_300_799))
        {
            return null;
        }

        return DateTimeOffset.UnixEpoch.AddTicks((long)(seconds * TimeSpan.TicksPerSecond));
    }
}
