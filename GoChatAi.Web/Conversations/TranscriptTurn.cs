using GoChatAi.Contracts.Chat.V1;

namespace GoChatAi.Web.Conversations;

/// <summary>One message as the page shows it; an answer's text grows while it is generated.</summary>
public sealed class TranscriptTurn(string id, Role role)
{
    public string Id { get; } = id;
    public Role Role { get; } = role;
    public string Text { get; private set; } = "";

    /// <summary>Raised when an answer's text grows, so that only its view redraws while it streams.</summary>
    public event Action? TextGrew;
    public string Model { get; set; } = "";

    /// <summary>The generation writing this answer; empty for a user's message.</summary>
    public string GenerationId { get; set; } = "";
    public bool IsGenerating { get; set; }
    public FinishReason FinishReason { get; set; }

    /// <summary>Why the answer stopped early, for people; null when it did not fail.</summary>
    public string? Problem { get; set; }

    /// <summary>The versions of this message (itself included) that follow the same parent, oldest first; one if it never branched.</summary>
    public IReadOnlyList<string> SiblingIds { get; init; } = [];
    public int SiblingIndex { get; init; }

    public bool IsUser => Role == Role.User;

    internal void Append(string text)
    {
        Text += text;
        TextGrew?.Invoke();
    }

    public static TranscriptTurn From(Message message) => new(message.Id, message.Role)
    {
        Text = message.Content,
        Model = message.Model,
        GenerationId = message.GenerationId,
        IsGenerating = message.Status == MessageStatus.Generating,
        FinishReason = message.FinishReason,
        SiblingIds = [.. message.SiblingIds],
        SiblingIndex = message.SiblingIndex,
    };
}
