namespace GoChatAi.ChatService.Application.Commands;

/// <summary>A user's message to store in a conversation, without an answer.</summary>
public sealed record SendMessageCommand(Guid ConversationId, string Content);
