namespace GoChatAi.ChatService.Application.Commands;

/// <summary>A page of the caller's conversations, checked: at most <see cref="Limit"/> after <see cref="Offset"/>.</summary>
public sealed record ConversationListQuery(int Limit, int Offset);
