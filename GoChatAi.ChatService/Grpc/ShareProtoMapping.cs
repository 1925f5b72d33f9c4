using GoChatAi.Contracts.Chat.V1;
using Google.Protobuf.WellKnownTypes;
using DomainShareLink = GoChatAi.ChatService.Domain.ShareLink;

namespace GoChatAi.ChatService.Grpc;

/// <summary>Share links and shared conversations as the API's messages.</summary>
internal static class ShareProtoMapping
{
    /// <summary>Where anyone reads a link, relative to the service's address (the route of GetSharedConversation).</summary>
    public static string SharedPath(string shareId) => "/v1/shared/" + shareId;

    public static ShareLink ToProto(this DomainShareLink link) => new()
    {
        ShareId = link.Id,
        ConversationId = link.ConversationId.ToString(),
        MessageId = link.MessageId.ToString(),
        Title = link.Title ?? "",
        CreatedAt = Timestamp.FromDateTimeOffset(link.CreatedAt),
        ExpiresAt = link.ExpiresAt is { } expiresAt ? Timestamp.FromDateTimeOffset(expiresAt) : null,
        Path = SharedPath(link.Id),
    };

    /// <summary>Only what <see cref="Application.Sharing.SharedConversation"/> holds: no user, conversation or message ids.</summary>
    public static SharedConversation ToProto(this Application.Sharing.SharedConversation shared) => new()
    {
        Title = shared.Title ?? "",
        Messages =
        {
            shared.Messages.Select(m => new SharedMessage
            {
                Role = m.Role.ToProto(),
                Content = m.Content,
                Model = m.Model ?? "",
                CreatedAt = Timestamp.FromDateTimeOffset(m.CreatedAt),
            }),
        },
        SharedAt = Timestamp.FromDateTimeOffset(shared.SharedAt),
        ExpiresAt = shared.ExpiresAt is { } expiresAt ? Timestamp.FromDateTimeOffset(expiresAt) : null,
    };
}
