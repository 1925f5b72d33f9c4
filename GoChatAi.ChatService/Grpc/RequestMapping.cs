using GoChatAi.ChatService.Application;
using GoChatAi.ChatService.Application.Feeds;
using GoChatAi.ChatService.Application.Commands;
using GoChatAi.ChatService.Domain;
using GoChatAi.Contracts.Chat.V1;
using GoChatAi.ServiceDefaults.Errors;

namespace GoChatAi.ChatService.Grpc;

/// <summary>
/// From the API's requests to the application's typed commands, parsed once here: gRPC, its JSON transcoding (the
/// same service) and the SSE endpoint all come this way, and the use cases get Guids, cursors and allowed models,
/// not strings to check again. Every field's violation is collected before the request is refused, in the order
/// of the request's fields.
/// </summary>
internal static class RequestMapping
{
    public static Guid ToConversationId(this GetConversationRequest request) => ParseId("conversation_id", request.ConversationId);

    public static Guid ToConversationId(this DeleteConversationRequest request) => ParseId("conversation_id", request.ConversationId);

    public static Guid ToGenerationId(this CancelGenerationRequest request) => ParseId("generation_id", request.GenerationId);

    public static CreateConversationCommand ToCommand(this CreateConversationRequest request, ModelCatalog models)
    {
        var (title, systemPrompt, model) = (request.HasTitle ? request.Title : null, request.HasSystemPrompt ? request.SystemPrompt : null, request.HasModel ? request.Model : null);
        new RequestValidation()
            .Check("title", title is null ? null : ChatValidation.TitleViolation(title))
            .Check("system_prompt", systemPrompt is null ? null : ChatValidation.SystemPromptViolation(systemPrompt))
            .Check("model", model is null ? null : ChatValidation.ModelViolation(model, models))
            .ThrowIfInvalid();
        return new CreateConversationCommand(title, systemPrompt, model);
    }

    public static ConversationListQuery ToQuery(this ListConversationsRequest request)
    {
        var limit = request.HasLimit ? request.Limit : (int?)null;
        new RequestValidation()
            .Check("limit", ChatValidation.LimitViolation(limit))
            .Check("offset", ChatValidation.OffsetViolation(request.Offset))
            .ThrowIfInvalid();
        return new ConversationListQuery(limit ?? 20, request.Offset, request.HasPinned ? request.Pinned : null, request.HasArchived && request.Archived);
    }

    public static SearchQuery ToQuery(this SearchConversationsRequest request)
    {
        var limit = request.HasLimit ? request.Limit : (int?)null;
        new RequestValidation()
            .Check("query", string.IsNullOrWhiteSpace(request.Query) ? "must not be blank" : RequestValidation.TextViolation(request.Query, SearchQuery.MaxTextLength))
            .Check("limit", limit is null or (>= 1 and <= SearchQuery.MaxLimit) ? null : $"must be from 1 to {SearchQuery.MaxLimit}")
            .Check("offset", request.Offset is >= 0 and <= SearchQuery.MaxOffset ? null : $"must be from 0 to {SearchQuery.MaxOffset}")
            .ThrowIfInvalid();
        return new SearchQuery(request.Query.Trim(), limit ?? 20, request.Offset);
    }

    public static UpdateConversationCommand ToCommand(this UpdateConversationRequest request, ModelCatalog models)
    {
        var check = new RequestValidation();
        var conversationId = check.Id("conversation_id", request.ConversationId);
        var (title, systemPrompt, model) = (request.HasTitle ? request.Title : null, request.HasSystemPrompt ? request.SystemPrompt : null, request.HasModel ? request.Model : null);
        check
            .Check("title", title is null ? null : ChatValidation.TitleViolation(title))
            .Check("system_prompt", systemPrompt is null ? null : ChatValidation.SystemPromptViolation(systemPrompt))
            .Check("model", model is null ? null : ChatValidation.ModelViolation(model, models))
            .Require(title is not null || systemPrompt is not null || model is not null || request.HasPinned || request.HasArchived,
                "title", "at least one of title, system_prompt, model, pinned and archived is required")
            .ThrowIfInvalid();
        return new UpdateConversationCommand(conversationId, title, systemPrompt, model,
            request.HasPinned ? request.Pinned : null, request.HasArchived ? request.Archived : null);
    }

    public static SendMessageCommand ToCommand(this SendMessageRequest request, ChatOptions options)
    {
        var check = new RequestValidation();
        var conversationId = check.Id("conversation_id", request.ConversationId);
        // `message` is the Go system's name for the text: taken when content is empty, and refused when it says
        // something else than content does, rather than silently picking one of two texts.
        var (field, content) = request.Content.Length == 0 && request.Message.Length > 0 ? ("message", request.Message) : ("content", request.Content);
        check
            .Check(field, ChatValidation.MessageViolation(content, options.MaxMessageLength))
            .Require(request.Message.Length == 0 || request.Message == content, "message", "is the Go system's name for content; when both are given they must be the same text");
        var parentId = check.OptionalId("parent_message_id", request.HasParentMessageId ? request.ParentMessageId : null);
        check.ThrowIfInvalid();
        return new SendMessageCommand(conversationId, content, parentId);
    }

    /// <summary>ChatWithAI's request, as ChatWithAI, StreamChat and the SSE endpoint take it.</summary>
    /// <param name="apiKeyId">The personal API key the caller acts with, if any: its usage is recorded against it.</param>
    public static StartGenerationCommand ToCommand(this ChatWithAIRequest request, ModelCatalog models, ChatOptions options, Guid? apiKeyId = null)
    {
        var check = new RequestValidation().Check("message", ChatValidation.MessageViolation(request.Message, options.MaxMessageLength));
        var conversationId = check.OptionalId("conversation_id", request.HasConversationId ? request.ConversationId : null);
        var parentId = check.OptionalId("parent_message_id", request.HasParentMessageId ? request.ParentMessageId : null);
        check.Require(parentId is null || conversationId is not null, "parent_message_id", "needs conversation_id: a new conversation has no message to follow");
        var answer = check.AnswerOptions(models, request.HasModel ? request.Model : null, request.HasTemperature ? request.Temperature : null, request.HasMaxTokens ? request.MaxTokens : null);
        check.ThrowIfInvalid();
        return answer.Command(new GenerationTarget.NewMessage(request.Message, conversationId, parentId), apiKeyId);
    }

    /// <summary>RegenerateAnswer's request, as the gRPC call and the SSE endpoint take it.</summary>
    public static StartGenerationCommand ToCommand(this RegenerateAnswerRequest request, ModelCatalog models, Guid? apiKeyId = null)
    {
        var check = new RequestValidation();
        var conversationId = check.Id("conversation_id", request.ConversationId);
        var messageId = check.Id("message_id", request.MessageId);
        var answer = check.AnswerOptions(models, request.HasModel ? request.Model : null, request.HasTemperature ? request.Temperature : null, request.HasMaxTokens ? request.MaxTokens : null);
        check.ThrowIfInvalid();
        return answer.Command(new GenerationTarget.NewAnswer(conversationId, messageId), apiKeyId);
    }

    /// <summary>EditMessage's request, as the gRPC call and the SSE endpoint take it.</summary>
    public static StartGenerationCommand ToCommand(this EditMessageRequest request, ModelCatalog models, ChatOptions options, Guid? apiKeyId = null)
    {
        var check = new RequestValidation();
        var conversationId = check.Id("conversation_id", request.ConversationId);
        var messageId = check.Id("message_id", request.MessageId);
        check.Check("content", ChatValidation.MessageViolation(request.Content, options.MaxMessageLength));
        var answer = check.AnswerOptions(models, request.HasModel ? request.Model : null, request.HasTemperature ? request.Temperature : null, request.HasMaxTokens ? request.MaxTokens : null);
        check.ThrowIfInvalid();
        return answer.Command(new GenerationTarget.EditedMessage(conversationId, messageId, request.Content), apiKeyId);
    }

    public static (Guid ConversationId, Guid MessageId) ToIds(this SwitchBranchRequest request)
    {
        var check = new RequestValidation();
        var ids = (check.Id("conversation_id", request.ConversationId), check.Id("message_id", request.MessageId));
        check.ThrowIfInvalid();
        return ids;
    }

    /// <summary>How the model answers, as every call that asks it takes it: a model of the catalog, a temperature, a length.</summary>
    private readonly record struct AnswerSettings(ChatModel? Model, double? Temperature, int? MaxTokens)
    {
        public StartGenerationCommand Command(GenerationTarget target, Guid? apiKeyId) => new(target, Model, Temperature, MaxTokens, apiKeyId);
    }

    private static AnswerSettings AnswerOptions(this RequestValidation check, ModelCatalog models, string? model, double? temperature, int? maxTokens)
    {
        check
            .Check("model", model is null ? null : ChatValidation.ModelViolation(model, models))
            // NaN fails both comparisons, and so is refused too.
            .Check("temperature", temperature is null or (>= 0 and <= 2) ? null : "must be from 0 to 2")
            .Check("max_tokens", maxTokens is null or >= 1 ? null : "must be at least 1");
        return new AnswerSettings(model is null ? null : models.Find(model), temperature, maxTokens);
    }

    public static HistoryQuery ToQuery(this GetHistoryRequest request)
    {
        var limit = request.HasLimit ? request.Limit : (int?)null;
        var check = new RequestValidation();
        var conversationId = check.Id("conversation_id", request.ConversationId);
        check
            .Check("limit", ChatValidation.LimitViolation(limit))
            .Check("offset", ChatValidation.OffsetViolation(request.Offset));
        var messageId = check.OptionalId("message_id", request.HasMessageId ? request.MessageId : null);
        HistoryPageToken? after = null;
        if (request.PageToken.Length > 0)
        {
            if (request.Offset != 0)
            {
                check.Add("offset", "must be 0 when page_token is set");
            }

            if (!check.IsValid || !HistoryPageToken.TryParse(request.PageToken, out var token)
                || token.ConversationId != conversationId || token.NewestFirst != request.NewestFirst)
            {
                check.Add("page_token", "is not a page token of this conversation and order");
            }
            else
            {
                after = token;
            }
        }

        check.ThrowIfInvalid();
        return new HistoryQuery(conversationId, limit, request.Offset, request.NewestFirst, after, messageId);
    }

    /// <summary>The conversation to follow, and the cursor to follow it after, which must be one of its feed's.</summary>
    public static (Guid ConversationId, FeedCursor? After) ToFeedStart(this StreamMessagesRequest request)
    {
        var check = new RequestValidation();
        var conversationId = check.Id("conversation_id", request.ConversationId);
        FeedCursor? after = null;
        if (request.HasAfter && check.IsValid)
        {
            if (FeedCursor.TryParse(request.After, out var cursor) && cursor.ConversationId == conversationId)
            {
                after = cursor;
            }
            else
            {
                check.Add("after", "is not a cursor of this conversation's feed");
            }
        }

        check.ThrowIfInvalid();
        return (conversationId, after);
    }

    public static UsageQuery ToQuery(this GetUsageRequest request)
    {
        var check = new RequestValidation();
        var start = check.OptionalDate("start_date", request.HasStartDate ? request.StartDate : null);
        var end = check.OptionalDate("end_date", request.HasEndDate ? request.EndDate : null);
        var conversationId = check.OptionalId("conversation_id", request.HasConversationId ? request.ConversationId : null);
        check.ThrowIfInvalid();
        return new UsageQuery(start, end, conversationId);
    }

    private static Guid ParseId(string field, string value)
    {
        var check = new RequestValidation();
        var id = check.Id(field, value);
        check.ThrowIfInvalid();
        return id;
    }
}
