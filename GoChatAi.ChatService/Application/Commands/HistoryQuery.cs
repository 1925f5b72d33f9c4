namespace GoChatAi.ChatService.Application.Commands;

/// <summary>
/// A page of a path through a conversation: the path of a page token when given (after its depth), else the path
/// through <see cref="MessageId"/> when given, else the active path, skipping <see cref="Offset"/>.
/// </summary>
public sealed record HistoryQuery(Guid ConversationId, int? Limit, int Offset, bool NewestFirst, HistoryPageToken? After = null, Guid? MessageId = null);
