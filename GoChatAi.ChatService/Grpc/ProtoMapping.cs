using GoChatAi.ChatService.Application;
using GoChatAi.Contracts.Chat.V1;
using Google.Protobuf.WellKnownTypes;
using DomainConversation = GoChatAi.ChatService.Domain.Conversation;
using DomainMessage = GoChatAi.ChatService.Domain.Message;

namespace GoChatAi.ChatService.Grpc;

/// <summary>Domain and application results as the API's messages.</summary>
internal static class ProtoMapping
{
    public static Conversation ToProto(this DomainConversation conversation) => new()
    {
        Id = conversation.Id.ToString(),
        Title = conversation.Title ?? "",
        SystemPrompt = conversation.SystemPrompt ?? "",
        Model = conversation.Model,
        CreatedAt = Timestamp.FromDateTimeOffset(conversation.CreatedAt),
        UpdatedAt = Timestamp.FromDateTimeOffset(conversation.UpdatedAt),
        LastMessageAt = conversation.LastMessageAt is { } last ? Timestamp.FromDateTimeOffset(last) : null,
        MessageCount = conversation.MessageCount,
    };

    public static Message ToProto(this DomainMessage message) => ChatEvents.ToProto(message);

    public static Generation ToGeneration(this DomainMessage answer) => new()
    {
        Id = answer.GenerationId?.ToString() ?? "",
        ConversationId = answer.ConversationId.ToString(),
        MessageId = answer.Id.ToString(),
        Model = answer.Model ?? "",
        State = answer.Status == Domain.MessageStatus.Generating ? GenerationState.Running : GenerationState.Finished,
        FinishReason = ChatEvents.ToProto(answer.FinishReason),
        Usage = answer.Status == Domain.MessageStatus.Finished ? ChatEvents.ToProtoUsage(answer) : null,
    };

    public static string ToDateText(this DateOnly day) => day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
}
