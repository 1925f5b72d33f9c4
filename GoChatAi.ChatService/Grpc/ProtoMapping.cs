using GoChatAi.ChatService.Application;
using GoChatAi.ChatService.Application.Feeds;
using GoChatAi.ServiceDefaults.Errors;
using GoChatAi.Contracts.Chat.V1;
using Google.Protobuf.WellKnownTypes;
using DomainConversation = GoChatAi.ChatService.Domain.Conversation;
using DomainFinishReason = GoChatAi.ChatService.Domain.FinishReason;
using DomainMessage = GoChatAi.ChatService.Domain.Message;
using DomainMessageRole = GoChatAi.ChatService.Domain.MessageRole;
using DomainMessageStatus = GoChatAi.ChatService.Domain.MessageStatus;

namespace GoChatAi.ChatService.Grpc;

/// <summary>Domain and application results as the API's messages: the one mapping of gRPC, transcoding and SSE.</summary>
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
        ActiveLeafId = conversation.ActiveLeafId?.ToString() ?? "",
        Pinned = conversation.IsPinned,
        Archived = conversation.IsArchived,
    };

    public static Role ToProto(this DomainMessageRole role) => role switch
    {
        DomainMessageRole.System => Role.System,
        DomainMessageRole.User => Role.User,
        DomainMessageRole.Assistant => Role.Assistant,
        _ => Role.Unspecified,
    };

    public static Contracts.Chat.V1.SearchHit ToProto(this Application.SearchHit hit)
    {
        var proto = new Contracts.Chat.V1.SearchHit
        {
            Conversation = hit.Conversation.ToProto(),
            MessageId = hit.MessageId?.ToString() ?? "",
            Role = hit.Role?.ToProto() ?? Role.Unspecified,
            Snippet = hit.Snippet,
            CreatedAt = Timestamp.FromDateTimeOffset(hit.CreatedAt),
        };
        proto.Highlights.AddRange(hit.Highlights.Select(h => new TextRange { Start = h.Start, Length = h.Length }));
        return proto;
    }

    /// <summary>A message of a path, with where it stands among its siblings.</summary>
    public static Message ToProto(this PathMessage message)
    {
        var proto = message.Message.ToProto();
        proto.SiblingIds.AddRange(message.SiblingIds.Select(id => id.ToString()));
        proto.SiblingIndex = message.SiblingIndex;
        return proto;
    }

    public static Message ToProto(this DomainMessage message) => MessageSnapshot.Of(message).ToProto();

    public static Message ToProto(this MessageSnapshot message) => new()
    {
        Id = message.Id.ToString(),
        ConversationId = message.ConversationId.ToString(),
        Role = message.Role.ToProto(),
        Content = message.Content,
        Model = message.Model ?? "",
        Usage = message.Usage?.ToProto(),
        FinishReason = message.FinishReason.ToProto(),
        CreatedAt = Timestamp.FromDateTimeOffset(message.CreatedAt),
        Status = message.Status == DomainMessageStatus.Generating ? MessageStatus.Generating : MessageStatus.Finished,
        GenerationId = message.Role == DomainMessageRole.Assistant ? message.GenerationId?.ToString() ?? "" : "",
        ParentId = message.ParentId?.ToString() ?? "",
    };

    public static Generation ToGeneration(this DomainMessage answer) => new()
    {
        Id = answer.GenerationId?.ToString() ?? "",
        ConversationId = answer.ConversationId.ToString(),
        MessageId = answer.Id.ToString(),
        Model = answer.Model ?? "",
        State = answer.Status == DomainMessageStatus.Generating ? GenerationState.Running : GenerationState.Finished,
        FinishReason = answer.FinishReason.ToProto(),
        Usage = answer.Status == DomainMessageStatus.Finished ? TokenUsage.Of(answer)?.ToProto() : null,
    };

    /// <summary>A feed's event as the API sends it, where it is included (its conversation, sequence and cursor).</summary>
    public static ChatEvent ToProto(this FeedEntry entry)
    {
        var chatEvent = new ChatEvent
        {
            ConversationId = entry.ConversationId.ToString(),
            GenerationId = entry.Event.GenerationId?.ToString() ?? "",
            Sequence = entry.Sequence,
            Cursor = entry.Cursor?.ToString() ?? "",
        };
        switch (entry.Event)
        {
            case MessageStored stored:
                chatEvent.MessageCreated = new MessageCreated { Message = stored.Message.ToProto() };
                break;
            case AnswerStarted started:
                chatEvent.GenerationStarted = new GenerationStarted { Message = started.Answer.ToProto() };
                break;
            case AnswerDelta delta:
                chatEvent.Delta = new ContentDelta { Text = delta.Text };
                break;
            case AnswerCompleted completed:
                chatEvent.Completed = new GenerationCompleted
                {
                    MessageId = completed.MessageId.ToString(),
                    Usage = completed.Usage?.ToProto(),
                    FinishReason = completed.FinishReason.ToProto(),
                };
                break;
            case AnswerFailed failed:
                chatEvent.Failed = new GenerationFailed
                {
                    Code = (Google.Rpc.Code)(int)ServiceErrors.ToStatusCode(failed.Kind),
                    Message = failed.Reason,
                    MessageId = failed.MessageId.ToString(),
                };
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(entry), entry.Event.GetType().Name, "Not an event the API knows.");
        }

        return chatEvent;
    }

    public static Usage ToProto(this TokenUsage usage) => new()
    {
        PromptTokens = usage.PromptTokens,
        CompletionTokens = usage.CompletionTokens,
        TotalTokens = usage.TotalTokens,
    };

    public static FinishReason ToProto(this DomainFinishReason? reason) => reason switch
    {
        DomainFinishReason.Stop => FinishReason.Stop,
        DomainFinishReason.Length => FinishReason.Length,
        DomainFinishReason.ContentFilter => FinishReason.ContentFilter,
        DomainFinishReason.Cancelled => FinishReason.Cancelled,
        DomainFinishReason.Incomplete => FinishReason.Incomplete,
        _ => FinishReason.Unspecified,
    };

    public static string ToDateText(this DateOnly day) => day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
}
