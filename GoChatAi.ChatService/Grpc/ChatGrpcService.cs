using Microsoft.AspNetCore.Authorization;

namespace GoChatAi.ChatService.Grpc;

/// <summary>Conversations with the model over gRPC and REST; every call needs a valid access token.</summary>
[Authorize]
public sealed class ChatGrpcService : Contracts.Chat.V1.ChatService.ChatServiceBase;
