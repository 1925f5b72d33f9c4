using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace GoChatAi.ChatService.Application;

/// <summary>Where a history page ended: the conversation, the order and the last message's position (base64url).</summary>
public readonly record struct HistoryPageToken(Guid ConversationId, bool NewestFirst, long Position)
{
    public override string ToString() => Base64Url.EncodeToString(Encoding.ASCII.GetBytes(
        string.Create(CultureInfo.InvariantCulture, $"h1|{ConversationId:N}|{(NewestFirst ? 1 : 0)}|{Position}")));

    public static bool TryParse(string text, out HistoryPageToken token)
    {
        token = default;
        if (text.Length > 128 || !Base64Url.IsValid(text))
        {
            return false;
        }

        var parts = Encoding.ASCII.GetString(Base64Url.DecodeFromChars(text)).Split('|');
        if (parts.Length != 4 || parts[0] != "h1" || !Guid.TryParseExact(parts[1], "N", out var conversationId)
            || parts[2] is not ("0" or "1") || !long.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var position))
        {
            return false;
        }

        token = new HistoryPageToken(conversationId, parts[2] == "1", position);
        return true;
    }
}
