using GoChatAi.ChatService.Domain;

namespace GoChatAi.ChatService.Application.Commands;

/// <summary>
/// What the caller asks of the model (ChatWithAI, StreamChat, the SSE endpoint), parsed: a message within the
/// length limit, an existing conversation's id or none (a new one), an allowed model or none (the conversation's).
/// </summary>
public sealed record StartGenerationCommand(string Message, Guid? ConversationId, ChatModel? Model, double? Temperature, int? MaxTokens);
