namespace GoChatAi.ChatService.Domain;

/// <summary>A thread of messages between one user and the model, with its own settings.</summary>
public sealed class Conversation
{
    public const int MaxTitleLength = 200;
    public const int MaxSystemPromptLength = 16_000;

    public Guid Id { get; init; }

    /// <summary>The owner: the <c>sub</c> of the access token that created it.</summary>
    public Guid UserId { get; init; }

    /// <summary>Empty until set, or until one is generated after the first answer.</summary>
    public string? Title { get; set; }

    public string? SystemPrompt { get; set; }

    /// <summary>The model that answers when a request names none.</summary>
    public required string Model { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; set; }

    public DateTimeOffset? LastMessageAt { get; set; }

    /// <summary>The last message's time, else the creation's: what "most recent activity first" orders by.</summary>
    public DateTimeOffset LastActivityAt { get; set; }

    public int MessageCount { get; set; }
}
