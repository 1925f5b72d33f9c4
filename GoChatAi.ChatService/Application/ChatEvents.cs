using GoChatAi.ChatService.Domain;
using GoChatAi.ServiceDefaults.Errors;
using Message = GoChatAi.ChatService.Domain.Message;
using MessageRole = GoChatAi.ChatService.Domain.MessageRole;
using GoChatAi.Contracts.Chat.V1;
using Google.Protobuf.WellKnownTypes;
using ProtoFinishReason = GoChatAi.Contracts.Chat.V1.FinishReason;
using ProtoMessage = GoChatAi.Contracts.Chat.V1.Message;
using ProtoMessageStatus = GoChatAi.Contracts.Chat.V1.MessageStatus;

namespace GoChatAi.ChatService.Application;

/// <summary>
/// The events of a conversation's feed. They are the public <see cref="ChatEvent"/> itself, stored as protobuf, so
/// that every replica and both protocols (gRPC, Server-Sent Events) send the very same events.
/// </summary>
public static class ChatEvents
{
    public static ChatEvent MessageCreated(Message message) => new()
    {
        GenerationId = message.GenerationId?.ToString() ?? "",
        MessageCreated = new MessageCreated { Message = ToProto(message) },
    };

    public static ChatEvent GenerationStarted(Message answer) => new()
    {
        GenerationId = answer.GenerationId?.ToString() ?? "",
        GenerationStarted = new GenerationStarted { Message = ToProto(answer) },
    };

    public static ChatEvent Delta(Guid generationId, string text) => new()
    {
        GenerationId = generationId.ToString(),
        Delta = new ContentDelta { Text = text },
    };

    public static ChatEvent Completed(Message answer) => new()
    {
        GenerationId = answer.GenerationId?.ToString() ?? "",
        Completed = new GenerationCompleted
        {
            MessageId = answer.Id.ToString(),
            Usage = ToProtoUsage(answer),
            FinishReason = ToProto(answer.FinishReason),
        },
    };

    public static ChatEvent Failed(Message answer, Google.Rpc.Code code, string message) => new()
    {
        GenerationId = answer.GenerationId?.ToString() ?? "",
        Failed = new GenerationFailed { Code = code, Message = message, MessageId = answer.Id.ToString() },
    };

    public static ChatEvent Failed(Message answer, ServiceException failure) =>
        Failed(answer, (Google.Rpc.Code)(int)ServiceErrors.ToStatusCode(failure.Kind), failure.Message);

    /// <summary>Whether the event ends its generation.</summary>
    public static bool IsFinal(ChatEvent chatEvent) =>
        chatEvent.EventCase is ChatEvent.EventOneofCase.Completed or ChatEvent.EventOneofCase.Failed;

    public static ProtoMessage ToProto(Message message) => new()
    {
        Id = message.Id.ToString(),
        ConversationId = message.ConversationId.ToString(),
        Role = message.Role switch
        {
            MessageRole.System => Role.System,
            MessageRole.User => Role.User,
            MessageRole.Assistant => Role.Assistant,
            _ => Role.Unspecified,
        },
        Content = message.Content,
        Model = message.Model ?? "",
        Usage = message.Status == Domain.MessageStatus.Finished ? ToProtoUsage(message) : null,
        FinishReason = ToProto(message.FinishReason),
        CreatedAt = Timestamp.FromDateTimeOffset(message.CreatedAt),
        Status = message.Status == Domain.MessageStatus.Generating ? ProtoMessageStatus.Generating : ProtoMessageStatus.Finished,
        GenerationId = message.Role == MessageRole.Assistant ? message.GenerationId?.ToString() ?? "" : "",
    };

    public static Usage? ToProtoUsage(Message message) =>
        message.PromptTokens is null && message.CompletionTokens is null
            ? null
            : new Usage
            {
                PromptTokens = message.PromptTokens ?? 0,
                CompletionTokens = message.CompletionTokens ?? 0,
                TotalTokens = (message.PromptTokens ?? 0) + (message.CompletionTokens ?? 0),
            };

    public static ProtoFinishReason ToProto(Domain.FinishReason? reason) => reason switch
    {
        Domain.FinishReason.Stop => ProtoFinishReason.Stop,
        Domain.FinishReason.Length => ProtoFinishReason.Length,
        Domain.FinishReason.ContentFilter => ProtoFinishReason.ContentFilter,
        Domain.FinishReason.Cancelled => ProtoFinishReason.Cancelled,
        Domain.FinishReason.Incomplete => ProtoFinishReason.Incomplete,
        _ => ProtoFinishReason.Unspecified,
    };

    public static Domain.FinishReason? ToDomain(ProtoFinishReason reason) => reason switch
    {
        ProtoFinishReason.Stop => Domain.FinishReason.Stop,
        ProtoFinishReason.Length => Domain.FinishReason.Length,
        ProtoFinishReason.ContentFilter => Domain.FinishReason.ContentFilter,
        ProtoFinishReason.Cancelled => Domain.FinishReason.Cancelled,
        ProtoFinishReason.Incomplete => Domain.FinishReason.Incomplete,
        _ => null,
    };
}
