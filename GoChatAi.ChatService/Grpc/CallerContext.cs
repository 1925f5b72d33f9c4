using GoChatAi.ServiceDefaults.Authentication;
using Grpc.Core;

namespace GoChatAi.ChatService.Grpc;

internal static class CallerContext
{
    /// <summary>The caller: the <c>sub</c> of the access token the call was authenticated with.</summary>
    public static Guid GetUserId(this ServerCallContext context) => context.GetHttpContext().User.GetUserId();

    /// <summary>The personal API key the caller acts with, or null when it signed in.</summary>
    public static Guid? GetApiKeyId(this ServerCallContext context) => context.GetHttpContext().User.GetApiKeyId();
}
