using GoChatAi.ChatService.Application;
using GoChatAi.ChatService.Application.Feeds;
using GoChatAi.ChatService.Application.Generations;
using GoChatAi.ChatService.Application.Sharing;
using GoChatAi.Contracts.Chat.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using UsageRow = GoChatAi.Contracts.Chat.V1.UsageRow;

namespace GoChatAi.ChatService.Grpc;

/// <summary>Conversations with the model over gRPC and REST; every call needs a valid access token.</summary>
[Authorize]
public sealed class ChatGrpcService(
    ConversationService conversations,
    GenerationService generations,
    ConversationStreams streams,
    UsageService usage,
    SearchService search,
    ModelCatalog models,
    IOptions<ChatOptions> options,
    GenerationRunner runner,
    ShareLinkService shares) : Contracts.Chat.V1.ChatService.ChatServiceBase
{
    public override async Task<Conversation> CreateConversation(CreateConversationRequest request, ServerCallContext context)
    {
        var conversation = await conversations.CreateAsync(context.GetUserId(), request.ToCommand(models), context.CancellationToken);
        return conversation.ToProto();
    }

    public override async Task<ListConversationsResponse> ListConversations(ListConversationsRequest request, ServerCallContext context)
    {
        var (page, total) = await conversations.ListAsync(context.GetUserId(), request.ToQuery(), context.CancellationToken);
        return new ListConversationsResponse { Conversations = { page.Select(c => c.ToProto()) }, TotalCount = total };
    }

    public override async Task<SearchConversationsResponse> SearchConversations(SearchConversationsRequest request, ServerCallContext context)
    {
        var page = await search.SearchAsync(context.GetUserId(), request.ToQuery(), context.CancellationToken);
        return new SearchConversationsResponse { Hits = { page.Hits.Select(h => h.ToProto()) }, HasMore = page.HasMore };
    }

    public override async Task<Conversation> GetConversation(GetConversationRequest request, ServerCallContext context) =>
        (await conversations.GetAsync(context.GetUserId(), request.ToConversationId(), context.CancellationToken)).ToProto();

    public override async Task<Conversation> UpdateConversation(UpdateConversationRequest request, ServerCallContext context)
    {
        var conversation = await conversations.UpdateAsync(context.GetUserId(), request.ToCommand(models), context.CancellationToken);
        return conversation.ToProto();
    }

    public override async Task<Empty> DeleteConversation(DeleteConversationRequest request, ServerCallContext context)
    {
        await conversations.DeleteAsync(context.GetUserId(), request.ToConversationId(), context.CancellationToken);
        return new Empty();
    }

    public override async Task<Message> SendMessage(SendMessageRequest request, ServerCallContext context) =>
        (await conversations.SendMessageAsync(context.GetUserId(), request.ToCommand(options.Value), context.CancellationToken)).ToProto();

    public override async Task<ChatWithAIResponse> ChatWithAI(ChatWithAIRequest request, ServerCallContext context)
    {
        var started = await generations.StartAsync(context.GetUserId(), request.ToCommand(models, options.Value, context.GetApiKeyId()), follow: false, context.CancellationToken);
        // The caller may leave; the job goes on and stores its answer all the same.
        var outcome = await started.Outcome.WaitAsync(context.CancellationToken);
        if (outcome.Failure is { } failure)
        {
            throw failure;
        }

        var answer = outcome.Answer.ToProto();
        return new ChatWithAIResponse
        {
            ConversationId = started.ConversationId.ToString(),
            UserMessage = started.UserMessage?.ToProto(),
            AssistantMessage = answer,
            Model = answer.Model,
            Usage = answer.Usage,
            FinishReason = answer.FinishReason,
            GenerationId = answer.GenerationId,
        };
    }

    public override Task StreamChat(ChatWithAIRequest request, IServerStreamWriter<ChatEvent> responseStream, ServerCallContext context) =>
        StreamAnswerAsync(request.ToCommand(models, options.Value, context.GetApiKeyId()), responseStream, context);

    public override Task RegenerateAnswer(RegenerateAnswerRequest request, IServerStreamWriter<ChatEvent> responseStream, ServerCallContext context) =>
        StreamAnswerAsync(request.ToCommand(models, context.GetApiKeyId()), responseStream, context);

    public override Task EditMessage(EditMessageRequest request, IServerStreamWriter<ChatEvent> responseStream, ServerCallContext context) =>
        StreamAnswerAsync(request.ToCommand(models, options.Value, context.GetApiKeyId()), responseStream, context);

    public override async Task<Conversation> SwitchBranch(SwitchBranchRequest request, ServerCallContext context)
    {
        var (conversationId, messageId) = request.ToIds();
        return (await conversations.SwitchBranchAsync(context.GetUserId(), conversationId, messageId, context.CancellationToken)).ToProto();
    }

    public override async Task StreamMessages(StreamMessagesRequest request, IServerStreamWriter<ChatEvent> responseStream, ServerCallContext context)
    {
        var (conversationId, cursor) = request.ToFeedStart();
        var after = await generations.ResolveFeedStartAsync(context.GetUserId(), conversationId, cursor, context.CancellationToken);
        // A live feed never ends by itself: on shutdown (after the drain delay) it ends normally (status OK), so that
        // the client resumes from its last cursor on another replica, instead of holding the server for its whole
        // grace period and then being cut.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, runner.Stopping);
        try
        {
            await foreach (var entry in streams.FollowConversationAsync(conversationId, after, stop.Token))
            {
                await responseStream.WriteAsync(entry.ToProto(), context.CancellationToken);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The client closed the feed, or the server is shutting down: a normal end.
        }
    }

    public override async Task<Generation> CancelGeneration(CancelGenerationRequest request, ServerCallContext context) =>
        (await generations.CancelAsync(context.GetUserId(), request.ToGenerationId(), context.CancellationToken)).ToGeneration();

    public override async Task<GetHistoryResponse> GetHistory(GetHistoryRequest request, ServerCallContext context)
    {
        var page = await conversations.GetHistoryAsync(context.GetUserId(), request.ToQuery(), context.CancellationToken);
        return new GetHistoryResponse
        {
            Messages = { page.Messages.Select(m => m.ToProto()) },
            TotalCount = page.TotalCount,
            NextPageToken = page.NextPageToken,
            LeafId = page.LeafId?.ToString() ?? "",
        };
    }

    public override async Task<ShareLink> CreateShareLink(CreateShareLinkRequest request, ServerCallContext context) =>
        (await shares.CreateAsync(context.GetUserId(), request.ToCommand(), context.CancellationToken)).ToProto();

    public override async Task<ListShareLinksResponse> ListShareLinks(ListShareLinksRequest request, ServerCallContext context)
    {
        var links = await shares.ListAsync(context.GetUserId(), request.ToConversationId(), context.CancellationToken);
        return new ListShareLinksResponse { Links = { links.Select(l => l.ToProto()) } };
    }

    public override async Task<Empty> RevokeShareLink(RevokeShareLinkRequest request, ServerCallContext context)
    {
        await shares.RevokeAsync(context.GetUserId(), request.ToShareId(), context.CancellationToken);
        return new Empty();
    }

    /// <summary>Starts an answer and streams its events from the first until it ends (the caller may leave before: the job goes on).</summary>
    private async Task StreamAnswerAsync(Application.Commands.StartGenerationCommand command, IServerStreamWriter<ChatEvent> responseStream, ServerCallContext context)
    {
        var started = await generations.StartAsync(context.GetUserId(), command, follow: true, context.CancellationToken);
        await foreach (var entry in ConversationStreams.FollowGenerationAsync(started, context.CancellationToken))
        {
            await responseStream.WriteAsync(entry.ToProto(), context.CancellationToken);
        }
    }

    public override Task<ListModelsResponse> ListModels(ListModelsRequest request, ServerCallContext context) =>
        Task.FromResult(new ListModelsResponse
        {
            Models =
            {
                models.Models.Select(m => new Model
                {
                    Id = m.Id,
                    DisplayName = m.DisplayName,
                    ContextWindow = m.ContextWindow,
                    MaxOutputTokens = m.MaxOutputTokens,
                    IsDefault = m.IsDefault,
                }),
            },
        });

    public override async Task<GetUsageResponse> GetUsage(GetUsageRequest request, ServerCallContext context)
    {
        var report = await usage.GetAsync(context.GetUserId(), request.ToQuery(), context.CancellationToken);
        var response = new GetUsageResponse
        {
            StartDate = report.Start.ToDateText(),
            EndDate = report.End.ToDateText(),
            Totals = new UsageTotals(),
            Quota = new DailyQuota
            {
                TokenLimit = report.TokenLimit,
                TokensUsed = report.TokensUsedToday,
                TokensRemaining = Math.Max(0, report.TokenLimit - report.TokensUsedToday),
                ResetsAt = Timestamp.FromDateTimeOffset(report.ResetsAt),
            },
        };
        foreach (var row in report.Rows)
        {
            response.Rows.Add(new UsageRow
            {
                Date = row.Day.ToDateText(),
                Model = row.Model,
                PromptTokens = row.PromptTokens,
                CompletionTokens = row.CompletionTokens,
                TotalTokens = row.PromptTokens + row.CompletionTokens,
                Requests = row.Requests,
            });
            response.Totals.PromptTokens += row.PromptTokens;
            response.Totals.CompletionTokens += row.CompletionTokens;
            response.Totals.TotalTokens += row.PromptTokens + row.CompletionTokens;
            response.Totals.Requests += row.Requests;
        }

        return response;
    }
}
