namespace GoChatAi.ChatService.Domain;

/// <summary>Who wrote a message.</summary>
public enum MessageRole
{
    System = 1,
    User = 2,
    Assistant = 3,
}

/// <summary>Whether a message's content may still change.</summary>
public enum MessageStatus
{
    Generating = 1,
    Finished = 2,
}

/// <summary>Why an answer ended.</summary>
public enum FinishReason
{
    Stop = 1,
    Length = 2,
    ContentFilter = 3,
    Cancelled = 4,
    Incomplete = 5,
}

/// <summary>One turn of a conversation.</summary>
public sealed class Message
{
    public Guid Id { get; init; }

    public Guid ConversationId { get; init; }

    /// <summary>Increasing in storing order across all conversations: the key of history pages (keyset paging).</summary>
    public long Position { get; init; }

    public MessageRole Role { get; init; }

    public required string Content { get; set; }

    public MessageStatus Status { get; set; }

    /// <summary>For a finished answer: why it ended.</summary>
    public FinishReason? FinishReason { get; set; }

    /// <summary>For an answer: the model that wrote it.</summary>
    public string? Model { get; init; }

    public int? PromptTokens { get; set; }

    public int? CompletionTokens { get; set; }

    /// <summary>For an answer: the generation that writes or wrote it; for a user message sent with ChatWithAI, the generation it started.</summary>
    public Guid? GenerationId { get; init; }

    /// <summary>When it was stored (for an answer: when its generation started).</summary>
    public DateTimeOffset CreatedAt { get; init; }
}
