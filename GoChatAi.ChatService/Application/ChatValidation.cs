using GoChatAi.ChatService.Domain;
using GoChatAi.ServiceDefaults.Errors;

namespace GoChatAi.ChatService.Application;

/// <summary>The field rules of the chat API, each reporting a violation (or null) for <see cref="RequestValidation"/>.</summary>
public static class ChatValidation
{
    public const int MaxPageLimit = 100;
    public const int MaxOffset = 1_000_000;

    public static string? TitleViolation(string title)
    {
        var trimmed = title.Trim();
        return trimmed.Length == 0
            ? "must not be blank"
            : RequestValidation.TextViolation(trimmed, Conversation.MaxTitleLength);
    }

    public static string? SystemPromptViolation(string prompt) =>
        RequestValidation.TextViolation(prompt, Conversation.MaxSystemPromptLength, allowLineBreaks: true);

    /// <summary>A user's message: not blank, at most <paramref name="maxLength"/> characters; any text otherwise, stored verbatim.</summary>
    public static string? MessageViolation(string content, int maxLength) =>
        string.IsNullOrWhiteSpace(content)
            ? "must not be blank"
            : RequestValidation.TextViolation(content, maxLength, allowLineBreaks: true);

    public static string? ModelViolation(string model, ModelCatalog catalog) =>
        model.Length == 0 ? "must not be empty"
        : model.Length > 200 ? "must be at most 200 characters"
        : catalog.Find(model) is null ? "is not one of the models ListModels lists"
        : null;

    public static string? LimitViolation(int? limit) =>
        limit is null or (>= 1 and <= MaxPageLimit) ? null : $"must be from 1 to {MaxPageLimit}";

    public static string? OffsetViolation(int offset) =>
        offset is >= 0 and <= MaxOffset ? null : $"must be from 0 to {MaxOffset}";
}
