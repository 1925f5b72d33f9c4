namespace GoChatAi.ChatService.Domain;

/// <summary>A model this deployment allows, with the limits that shape requests to it.</summary>
public sealed record ChatModel(string Id, string DisplayName, int ContextWindow, int MaxOutputTokens, bool IsDefault);
