using GoChatAi.AuthService.Application;
using GoChatAi.Contracts.Auth.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;

namespace GoChatAi.AuthService.Grpc;

/// <summary>Sign-up, sign-in and tokens over gRPC and REST.</summary>
public sealed class AuthGrpcService(AccountService accounts, SessionService sessions, TimeProvider timeProvider)
    : Contracts.Auth.V1.AuthService.AuthServiceBase
{
    public override async Task<SignUpResponse> SignUp(SignUpRequest request, ServerCallContext context)
    {
        var (user, tokens) = await accounts.SignUpAsync(request.Name, request.Email, request.Password, context.GetClientAddress(), context.CancellationToken);
        return new SignUpResponse { User = user.ToProto(), Tokens = tokens.ToProto(timeProvider) };
    }

    public override async Task<SignInResponse> SignIn(SignInRequest request, ServerCallContext context)
    {
        var (user, tokens) = await accounts.SignInAsync(request.Email, request.Password, context.GetClientAddress(), context.CancellationToken);
        return new SignInResponse { User = user.ToProto(), Tokens = tokens.ToProto(timeProvider) };
    }

    [Authorize]
    public override async Task<SignOutResponse> SignOut(SignOutRequest request, ServerCallContext context)
    {
        var (refreshToken, allSessions) = request.ToSignOut(context.GetBearerToken());
        await sessions.SignOutAsync(context.GetCaller(), refreshToken, allSessions, context.GetClientAddress(), context.CancellationToken);
        return new SignOutResponse();
    }

    public override async Task<RefreshTokenResponse> RefreshToken(RefreshTokenRequest request, ServerCallContext context)
    {
        var tokens = await sessions.RefreshAsync(request.RefreshToken, context.GetClientAddress(), context.CancellationToken);
        return new RefreshTokenResponse { Tokens = tokens.ToProto(timeProvider) };
    }

    public override async Task<RevokeTokenResponse> RevokeToken(RevokeTokenRequest request, ServerCallContext context)
    {
        await sessions.RevokeAsync(request.ToToken(), request.HintsRefreshToken(), context.GetClientAddress(), context.CancellationToken);
        return new RevokeTokenResponse();
    }

    public override async Task<ValidateTokenResponse> ValidateToken(ValidateTokenRequest request, ServerCallContext context)
    {
        var info = await sessions.IntrospectAsync(request.Token, context.CancellationToken);
        return info is null
            ? new ValidateTokenResponse { Valid = false }
            : new ValidateTokenResponse
            {
                Valid = true,
                UserId = info.UserId.ToString(),
                Roles = { info.Roles },
                ExpiresAt = Timestamp.FromDateTimeOffset(info.ExpiresAt),
                IssuedAt = Timestamp.FromDateTimeOffset(info.IssuedAt),
                TokenId = info.TokenId,
            };
    }
}
