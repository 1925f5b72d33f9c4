namespace GoChatAi.ChatService.Domain;

/// <summary>
/// The tokens one answer used, kept apart from the conversation so that deleting a conversation never gives a
/// user back their quota or erases what was billed.
/// </summary>
public sealed class UsageRecord
{
    public long Id { get; init; }

    public Guid UserId { get; init; }

    /// <summary>The conversation it was used in (it may since have been deleted); none for a stateless OpenAI-API call.</summary>
    public Guid? ConversationId { get; init; }

    /// <summary>The answer's generation, or the OpenAI-API completion's id.</summary>
    public Guid GenerationId { get; init; }

    /// <summary>The personal API key that spent it, when the caller used one.</summary>
    public Guid? ApiKeyId { get; init; }

    public required string Model { get; init; }

    public int PromptTokens { get; init; }

    public int CompletionTokens { get; init; }

    /// <summary>The UTC day the usage counts for.</summary>
    public DateOnly Day { get; init; }

    public DateTimeOffset RecordedAt { get; init; }
}
