namespace GoChatAi.ChatService.Grpc;

/// <summary>Conversations with the model over gRPC and REST.</summary>
public sealed class ChatGrpcService : Contracts.Chat.V1.ChatService.ChatServiceBase;
