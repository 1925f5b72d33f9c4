namespace GoChatAi.ChatService.Domain;

/// <summary>A thread of messages between one user and the model.</summary>
public sealed class Conversation
{
    public Guid Id { get; init; }

    /// <summary>The owner: the <c>sub</c> of the access token that created it.</summary>
    public Guid UserId { get; init; }

    public string? Title { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; set; }

    public List<Message> Messages { get; } = [];
}
