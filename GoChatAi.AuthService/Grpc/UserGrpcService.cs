using GoChatAi.Contracts.Auth.V1;

namespace GoChatAi.AuthService.Grpc;

/// <summary>Reading and managing accounts over gRPC and REST.</summary>
public sealed class UserGrpcService : UserService.UserServiceBase;
