namespace GoChatAi.ChatService.Application.Commands;

/// <summary>A new conversation's settings, checked: a null one takes its default (no title yet, no system prompt, the default model).</summary>
public sealed record CreateConversationCommand(string? Title, string? SystemPrompt, string? Model);
