namespace GoChatAi.ChatService.Application.Commands;

/// <summary>A page of a conversation's messages: after a page token's position when given, else from the start, skipping <see cref="Offset"/>.</summary>
public sealed record HistoryQuery(Guid ConversationId, int? Limit, int Offset, long? AfterPosition, bool NewestFirst);
