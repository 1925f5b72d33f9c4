using GoChatAi.ChatService.Domain;

namespace GoChatAi.ChatService.Application.Commands;

/// <summary>
/// What the caller asks of the model (ChatWithAI, StreamChat, the SSE endpoint), parsed: a message within the
/// length limit, an existing conversation's id or none (a new one), an allowed model or none (the conversation's),
/// and the personal API key the caller acts with, if any (its usage is recorded against it).
/// </summary>
public sealed record StartGenerationCommand(string Message, Guid? ConversationId, ChatModel? Model, double? Temperature, int? MaxTokens, Guid? ApiKeyId = null);
