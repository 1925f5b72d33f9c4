using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace GoChatAi.ChatService.Application;

/// <summary>
/// Where a history page ended: the conversation, the order, the path's leaf (the next pages stay on the path of the
/// first) and the depth of the page's last message (base64url).
/// </summary>
public readonly record struct HistoryPageToken(Guid ConversationId, bool NewestFirst, Guid LeafId, int Depth)
{
    public override string ToString() => Base64Url.EncodeToString(Encoding.ASCII.GetBytes(
        string.Create(CultureInfo.InvariantCulture, $"h2|{ConversationId:N}|{(NewestFirst ? 1 : 0)}|{LeafId:N}|{Depth}")));

    public static bool TryParse(string text, out HistoryPageToken token)
    {
        token = default;
        if (text.Length > 128 || !Base64Url.IsValid(text))
        {
            return false;
        }

        var parts = Encoding.ASCII.GetString(Base64Url.DecodeFromChars(text)).Split('|');
        if (parts.Length != 5 || parts[0] != "h2" || !Guid.TryParseExact(parts[1], "N", out var conversationId)
            || parts[2] is not ("0" or "1") || !Guid.TryParseExact(parts[3], "N", out var leafId)
            || !int.TryParse(parts[4], NumberStyles.None, CultureInfo.InvariantCulture, out var depth))
        {
            return false;
        }

        token = new HistoryPageToken(conversationId, parts[2] == "1", leafId, depth);
        return true;
    }
}
