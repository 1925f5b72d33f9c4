using GoChatAi.Contracts.Chat.V1;

namespace GoChatAi.Web.Backend;

/// <summary>Messages of a conversation's path, oldest first, and the token of the page of older ones (null at the first message).</summary>
public sealed record HistoryPage(IReadOnlyList<Message> Messages, string? EarlierPageToken);
