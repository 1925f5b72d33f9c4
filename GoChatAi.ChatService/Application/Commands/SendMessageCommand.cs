namespace GoChatAi.ChatService.Application.Commands;

/// <summary>A user's message to store in a conversation, without an answer: after the active leaf, or after <paramref name="ParentId"/>.</summary>
public sealed record SendMessageCommand(Guid ConversationId, string Content, Guid? ParentId = null);
