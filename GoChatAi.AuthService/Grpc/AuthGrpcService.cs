using GoChatAi.Contracts.Auth.V1;

namespace GoChatAi.AuthService.Grpc;

/// <summary>Sign-up, sign-in and tokens over gRPC and REST.</summary>
public sealed class AuthGrpcService : Contracts.Auth.V1.AuthService.AuthServiceBase;
