using GoChatAi.Contracts.Chat.V1;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;

namespace GoChatAi.ChatService.Grpc;

/// <summary>
/// Shared conversations for anyone who has a link: no account, no token (one sent is not needed, nor looked at here).
/// Over REST: <c>GET /v1/shared/{share_id}</c>.
/// </summary>
[AllowAnonymous]
public sealed class SharedConversationGrpcService(Application.Sharing.ShareLinkService shares) : SharedConversationService.SharedConversationServiceBase
{
    public override async Task<SharedConversation> GetSharedConversation(GetSharedConversationRequest request, ServerCallContext context) =>
        (await shares.ReadAsync(request.ToShareId(), context.CancellationToken)).ToProto();
}
