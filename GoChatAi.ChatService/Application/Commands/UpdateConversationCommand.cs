namespace GoChatAi.ChatService.Application.Commands;

/// <summary>A change to a conversation's settings, pin and archive: a null one stays as it is; at least one is set.</summary>
public sealed record UpdateConversationCommand(Guid ConversationId, string? Title, string? SystemPrompt, string? Model, bool? Pinned = null, bool? Archived = null);
