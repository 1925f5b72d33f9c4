namespace GoChatAi.ChatService.Application.Commands;

/// <summary>
/// A page of the caller's conversations, checked: at most <see cref="Limit"/> after <see cref="Offset"/>, only the
/// pinned or unpinned ones when <see cref="Pinned"/> is given, the archived ones or (by default) those not archived.
/// </summary>
public sealed record ConversationListQuery(int Limit, int Offset, bool? Pinned = null, bool Archived = false);
