using System.Globalization;

namespace GoChatAi.ChatService.Application.Feeds;

/// <summary>
/// A position in a conversation's feed, handed to clients as an opaque cursor: <c>c1.{conversation}.{sequence}</c>.
/// It names its conversation, so that a cursor of another conversation is refused rather than misread.
/// </summary>
public readonly record struct FeedCursor(Guid ConversationId, long Sequence)
{
    private const string Prefix = "c1.";

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Prefix}{ConversationId:N}.{Sequence}");

    public static bool TryParse(string? text, out FeedCursor cursor)
    {
        cursor = default;
        if (text is null || text.Length > 128 || !text.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var parts = text[Prefix.Length..].Split('.');
        if (parts.Length != 2
            || !Guid.TryParseExact(parts[0], "N", out var conversationId)
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
        {
            return false;
        }

        cursor = new FeedCursor(conversationId, sequence);
        return true;
    }
}
