namespace GoChatAi.ChatService.Domain;

/// <summary>Who wrote a message.</summary>
public enum MessageRole
{
    System = 1,
    User = 2,
    Assistant = 3,
}

/// <summary>One turn of a conversation.</summary>
public sealed class Message
{
    public Guid Id { get; init; }

    public Guid ConversationId { get; init; }

    public MessageRole Role { get; init; }

    public required string Content { get; set; }

    public DateTimeOffset CreatedAt { get; init; }
}
