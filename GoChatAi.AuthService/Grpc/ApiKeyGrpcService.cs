using GoChatAi.Contracts.Auth.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using ApiKeyUseCases = GoChatAi.AuthService.Application.ApiKeyService;

namespace GoChatAi.AuthService.Grpc;

/// <summary>Personal API keys over gRPC and REST: the caller's own, made and revoked with a signed-in session.</summary>
public sealed class ApiKeyGrpcService(ApiKeyUseCases apiKeys) : Contracts.Auth.V1.ApiKeyService.ApiKeyServiceBase
{
    [Authorize]
    public override async Task<CreateApiKeyResponse> CreateApiKey(CreateApiKeyRequest request, ServerCallContext context)
    {
        var created = await apiKeys.CreateAsync(context.GetCaller(), request.Name, request.HasExpiresInDays ? request.ExpiresInDays : null,
            context.GetClientAddress(), context.CancellationToken);
        return new CreateApiKeyResponse { ApiKey = created.Key.ToProto(), Secret = created.Secret };
    }

    [Authorize]
    public override async Task<ListApiKeysResponse> ListApiKeys(ListApiKeysRequest request, ServerCallContext context)
    {
        var keys = await apiKeys.ListAsync(context.GetCaller(), context.CancellationToken);
        return new ListApiKeysResponse { ApiKeys = { keys.Select(k => k.ToProto()) } };
    }

    [Authorize]
    public override async Task<Empty> RevokeApiKey(RevokeApiKeyRequest request, ServerCallContext context)
    {
        await apiKeys.RevokeAsync(context.GetCaller(), request.ToApiKeyId(), context.GetClientAddress(), context.CancellationToken);
        return new Empty();
    }

    public override async Task<ExchangeApiKeyResponse> ExchangeApiKey(ExchangeApiKeyRequest request, ServerCallContext context)
    {
        var access = await apiKeys.ExchangeAsync(request.ApiKey, context.CancellationToken);
        return new ExchangeApiKeyResponse
        {
            AccessToken = access.AccessToken.Token,
            AccessTokenExpiresAt = Timestamp.FromDateTimeOffset(access.AccessToken.ExpiresAt),
            ApiKeyExpiresAt = Timestamp.FromDateTimeOffset(access.Key.ExpiresAt),
            ApiKeyId = access.Key.Id.ToString(),
        };
    }
}
