using GoChatAi.ChatService.Application.Commands;
using DomainShareLink = GoChatAi.ChatService.Domain.ShareLink;
using GoChatAi.Contracts.Chat.V1;
using GoChatAi.ServiceDefaults;
using GoChatAi.ServiceDefaults.Errors;
using Google.Protobuf.WellKnownTypes;

namespace GoChatAi.ChatService.Grpc;

/// <summary>The share links' requests parsed once, as <see cref="RequestMapping"/> does the others'.</summary>
internal static class ShareRequestMapping
{
    // The range a Timestamp may hold: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z.
    private const long MinTimestampSeconds = -62_135_596_800;
    private const long MaxTimestampSeconds = 253_402_300_799;

    public static CreateShareLinkCommand ToCommand(this CreateShareLinkRequest request)
    {
        var check = new RequestValidation();
        var conversationId = check.Id("conversation_id", request.ConversationId);
        var messageId = check.OptionalId("message_id", request.HasMessageId ? request.MessageId : null);
        var expiresAt = check.OptionalTime("expires_at", request.ExpiresAt);
        check.ThrowIfInvalid();
        return new CreateShareLinkCommand(conversationId, messageId, expiresAt);
    }

    /// <summary>The conversation whose links to list; null: all of the caller's.</summary>
    public static Guid? ToConversationId(this ListShareLinksRequest request)
    {
        var check = new RequestValidation();
        var conversationId = check.OptionalId("conversation_id", request.HasConversationId ? request.ConversationId : null);
        check.ThrowIfInvalid();
        return conversationId;
    }

    public static string ToShareId(this RevokeShareLinkRequest request) => ParseShareId(request.ShareId);

    public static string ToShareId(this GetSharedConversationRequest request) => ParseShareId(request.ShareId);

    /// <summary>A share id is refused for its form before anything is looked up.</summary>
    private static string ParseShareId(string value)
    {
        new RequestValidation()
            .Check("share_id", value.Length == 0 ? "is required"
                : DomainShareLink.IsWellFormedId(value) ? null
                : $"must be a share link's id: {DomainShareLink.IdLength} characters of A-Z, a-z, 0-9, - and _")
            .ThrowIfInvalid();
        return value;
    }

    /// <summary>An optional time, to the microsecond (as PostgreSQL keeps it); null when absent.</summary>
    private static DateTimeOffset? OptionalTime(this RequestValidation check, string field, Timestamp? value)
    {
        if (value is null)
        {
            return null;
        }

        if (value.Seconds is < MinTimestampSeconds or > MaxTimestampSeconds || value.Nanos is < 0 or > 999_999_999)
        {
            check.Add(field, "must be a time from 0001-01-01 to 9999-12-31");
            return null;
        }

        return value.ToDateTimeOffset().ToStoredTime();
    }
}
