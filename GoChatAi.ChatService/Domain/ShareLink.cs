using System.Buffers.Text;
using System.Security.Cryptography;

namespace GoChatAi.ChatService.Domain;

/// <summary>
/// A read-only snapshot of a conversation for anyone who has its id: the path from the first message to
/// <see cref="MessageId"/>, under the title it had when shared. Revoking it deletes it; so does deleting the conversation.
/// </summary>
public sealed class ShareLink
{
    /// <summary>The length of an id: base64url of 128 random bits.</summary>
    public const int IdLength = 22;

    /// <summary>Unguessable: 128 bits from a cryptographic random source, base64url.</summary>
    public string Id { get; init; } = "";

    public Guid ConversationId { get; init; }

    /// <summary>The owner of the conversation, who made the link.</summary>
    public Guid UserId { get; init; }

    /// <summary>The last message shared: the path to it never changes, whatever follows it later.</summary>
    public Guid MessageId { get; init; }

    /// <summary>The conversation's title when shared.</summary>
    public string? Title { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the link stops working; null: not before it is revoked.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    public static ShareLink Create(Guid conversationId, Guid userId, Guid messageId, string? title, DateTimeOffset now, DateTimeOffset? expiresAt)
    {
        if (!CanExpireAt(expiresAt, now))
        {
            throw new ArgumentOutOfRangeException(nameof(expiresAt), "A share link must expire in the future.");
        }

        return new()
        {
            Id = NewId(),
            ConversationId = conversationId,
            UserId = userId,
            MessageId = messageId,
            Title = title,
            CreatedAt = now,
            ExpiresAt = expiresAt,
        };
    }

    /// <summary>Whether a link made at <paramref name="now"/> may expire at <paramref name="expiresAt"/>: never, or later.</summary>
    public static bool CanExpireAt(DateTimeOffset? expiresAt, DateTimeOffset now) => expiresAt is null || expiresAt > now;

    /// <summary>Whether the link can be read at <paramref name="now"/>.</summary>
    public bool IsOpenAt(DateTimeOffset now) => ExpiresAt is null || now < ExpiresAt;

    /// <summary>Whether a text can be a share link's id at all (to refuse malformed ones before any lookup).</summary>
    public static bool IsWellFormedId(string id) =>
        id.Length == IdLength && id.AsSpan().IndexOfAnyExcept(s_idCharacters) < 0;

    private static string NewId() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16));

    private static readonly System.Buffers.SearchValues<char> s_idCharacters =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");
}
