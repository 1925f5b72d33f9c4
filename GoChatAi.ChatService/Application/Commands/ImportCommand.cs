using GoChatAi.ChatService.Domain;

namespace GoChatAi.ChatService.Application.Commands;

/// <summary>The kinds of file ImportConversations reads; each names its conversations' sources (<see cref="Conversation.ImportedFrom"/>) its own way.</summary>
public enum ImportSource
{
    /// <summary>A GoChatAi export: sources are <c>gochatai:&lt;conversation id&gt;</c>.</summary>
    GoChatAi,

    /// <summary>ChatGPT's conversations.json: sources are <c>chatgpt:&lt;conversation id&gt;</c>.</summary>
    ChatGpt,
}

/// <summary>
/// A file to import, read at the edge into one draft per conversation, in the file's order. A draft is what the file
/// says, not yet checked as a tree: the import checks each on its own, so that one bad conversation does not stop the
/// others.
/// </summary>
public sealed record ImportCommand(ImportSource Source, IReadOnlyList<ConversationDraft> Conversations);

/// <summary>
/// One conversation of an imported file. <see cref="Refusal"/> is set when the edge could not read it at all (it is
/// then reported refused with that reason); <see cref="Omitted"/> says, for people, what of it the file held that a
/// conversation here cannot (images, tool calls), or is null.
/// </summary>
public sealed record ConversationDraft(
    string SourceId,
    string? Title,
    string? SystemPrompt,
    string? Model,
    DateTimeOffset? CreatedAt,
    DateTimeOffset? UpdatedAt,
    bool Pinned,
    bool Archived,
    string? ActiveLeafSourceId,
    IReadOnlyList<MessageDraft> Messages,
    string? Omitted = null,
    string? Refusal = null)
{
    /// <summary>A conversation the edge could not read: refused with <paramref name="reason"/>.</summary>
    public static ConversationDraft Unreadable(string sourceId, string? title, string reason) =>
        new(sourceId, title, null, null, null, null, false, false, null, [], Refusal: reason);
}

/// <summary>
/// One message of an imported conversation: its id in the file, the message it follows there (null: a first message),
/// who wrote it, its text, and for an answer the model, why it ended and its usage; its time when the file has one.
/// </summary>
public sealed record MessageDraft(
    string SourceId,
    string? ParentSourceId,
    MessageRole Role,
    string Content,
    string? Model,
    FinishReason? FinishReason,
    int? PromptTokens,
    int? CompletionTokens,
    DateTimeOffset? CreatedAt);
