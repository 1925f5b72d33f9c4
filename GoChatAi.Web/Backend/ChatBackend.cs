using System.Runtime.CompilerServices;
using GoChatAi.Contracts.Chat.V1;
using GoChatAi.Web.Sessions;
using Grpc.Core;

namespace GoChatAi.Web.Backend;

/// <summary>
/// The ChatService as the pages use it: each call carries the session's access token, and a token the service
/// refuses ends the session here (<see cref="SessionEndedException"/>) so that the page sends the person to sign in.
/// </summary>
public sealed class ChatBackend(ChatService.ChatServiceClient chat, SessionTokens tokens)
{
    /// <summary>A page of conversations: the pinned ones, the others, or the archived ones.</summary>
    public Task<ListConversationsResponse> ListConversationsAsync(ConversationShelf shelf, int offset, int limit, CancellationToken cancellationToken)
    {
        var request = new ListConversationsRequest { Offset = offset, Limit = limit };
        switch (shelf)
        {
            case ConversationShelf.Pinned:
                request.Pinned = true;
                break;
            case ConversationShelf.Recent:
                request.Pinned = false;
                break;
            case ConversationShelf.Archived:
                request.Archived = true;
                break;
        }

        return CallAsync(options => chat.ListConversationsAsync(request, options), cancellationToken);
    }

    public async Task<IReadOnlyList<Model>> ListModelsAsync(CancellationToken cancellationToken) =>
        (await CallAsync(options => chat.ListModelsAsync(new ListModelsRequest(), options), cancellationToken)).Models;

    public Task<Conversation> GetConversationAsync(string conversationId, CancellationToken cancellationToken) =>
        CallAsync(options => chat.GetConversationAsync(new GetConversationRequest { ConversationId = conversationId }, options), cancellationToken);

    public Task<Conversation> RenameConversationAsync(string conversationId, string title, CancellationToken cancellationToken) =>
        CallAsync(options => chat.UpdateConversationAsync(new UpdateConversationRequest { ConversationId = conversationId, Title = title }, options), cancellationToken);

    /// <summary>Pins or unpins, archives or brings back a conversation (UpdateConversation).</summary>
    public Task<Conversation> OrganiseConversationAsync(string conversationId, bool? pinned, bool? archived, CancellationToken cancellationToken)
    {
        var request = new UpdateConversationRequest { ConversationId = conversationId };
        if (pinned is { } pin)
        {
            request.Pinned = pin;
        }

        if (archived is { } archive)
        {
            request.Archived = archive;
        }

        return CallAsync(options => chat.UpdateConversationAsync(request, options), cancellationToken);
    }

    public Task<SearchConversationsResponse> SearchAsync(string query, int offset, int limit, CancellationToken cancellationToken) =>
        CallAsync(options => chat.SearchConversationsAsync(new SearchConversationsRequest { Query = query, Offset = offset, Limit = limit }, options),
            cancellationToken);

    /// <summary>A read-only link to the conversation as it is now, up to its newest message on the branch shown.</summary>
    public Task<ShareLink> ShareAsync(string conversationId, CancellationToken cancellationToken) =>
        CallAsync(options => chat.CreateShareLinkAsync(new CreateShareLinkRequest { ConversationId = conversationId }, options), cancellationToken);

    public async Task DeleteConversationAsync(string conversationId, CancellationToken cancellationToken) =>
        await CallAsync(options => chat.DeleteConversationAsync(new DeleteConversationRequest { ConversationId = conversationId }, options), cancellationToken);

    /// <summary>
    /// A page of the conversation's active path, newest first from <paramref name="pageToken"/> (the newest messages
    /// without it), returned oldest first, with the token of the page before it.
    /// </summary>
    public async Task<HistoryPage> GetHistoryPageAsync(string conversationId, int limit, string? pageToken, CancellationToken cancellationToken)
    {
        var request = new GetHistoryRequest { ConversationId = conversationId, Limit = limit, NewestFirst = true, PageToken = pageToken ?? "" };
        var page = await CallAsync(options => chat.GetHistoryAsync(request, options), cancellationToken);
        return new HistoryPage([.. page.Messages.Reverse()], page.NextPageToken.Length > 0 ? page.NextPageToken : null);
    }

    public Task<Generation> CancelGenerationAsync(string generationId, CancellationToken cancellationToken) =>
        CallAsync(options => chat.CancelGenerationAsync(new CancelGenerationRequest { GenerationId = generationId }, options), cancellationToken);

    public Task<GetUsageResponse> GetTodaysUsageAsync(string today, CancellationToken cancellationToken) =>
        CallAsync(options => chat.GetUsageAsync(new GetUsageRequest { StartDate = today, EndDate = today }, options), cancellationToken);

    /// <summary>Stores the message, starts the answer and streams both (StreamChat).</summary>
    public IAsyncEnumerable<ChatEvent> StreamChatAsync(ChatWithAIRequest request, CancellationToken cancellationToken) =>
        StreamAsync(options => chat.StreamChat(request, options), cancellationToken);

    /// <summary>A new answer in place of <paramref name="messageId"/> (or to that user's message), beside the old one (RegenerateAnswer).</summary>
    public IAsyncEnumerable<ChatEvent> RegenerateAsync(string conversationId, string messageId, CancellationToken cancellationToken) =>
        StreamAsync(options => chat.RegenerateAnswer(new RegenerateAnswerRequest { ConversationId = conversationId, MessageId = messageId }, options),
            cancellationToken);

    /// <summary>The user's message with new text, beside the old one, and its answer (EditMessage).</summary>
    public IAsyncEnumerable<ChatEvent> EditAsync(string conversationId, string messageId, string content, CancellationToken cancellationToken) =>
        StreamAsync(options => chat.EditMessage(new EditMessageRequest { ConversationId = conversationId, MessageId = messageId, Content = content }, options),
            cancellationToken);

    /// <summary>Shows the branch of <paramref name="messageId"/> (SwitchBranch).</summary>
    public Task<Conversation> SwitchBranchAsync(string conversationId, string messageId, CancellationToken cancellationToken) =>
        CallAsync(options => chat.SwitchBranchAsync(new SwitchBranchRequest { ConversationId = conversationId, MessageId = messageId }, options), cancellationToken);

    /// <summary>
    /// One generation's events from the conversation's feed (StreamMessages), after <paramref name="after"/> or, without
    /// it, from the generation's start if it is running, up to and including its end; the feed itself never ends.
    /// </summary>
    public async IAsyncEnumerable<ChatEvent> FollowGenerationAsync(string conversationId, string generationId, string? after,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var request = new StreamMessagesRequest { ConversationId = conversationId };
        if (after is not null)
        {
            request.After = after;
        }

        await foreach (var chatEvent in StreamAsync(options => chat.StreamMessages(request, options), cancellationToken))
        {
            yield return chatEvent;
            if (chatEvent.GenerationId == generationId
                && chatEvent.EventCase is ChatEvent.EventOneofCase.Completed or ChatEvent.EventOneofCase.Failed)
            {
                yield break;
            }
        }
    }

    private async Task<T> CallAsync<T>(Func<CallOptions, AsyncUnaryCall<T>> call, CancellationToken cancellationToken)
    {
        var options = await AuthorizedAsync(cancellationToken);
        try
        {
            return await call(options);
        }
        catch (RpcException exception) when (exception.StatusCode == StatusCode.Unauthenticated)
        {
            await tokens.EndAsync();
            throw new SessionEndedException();
        }
    }

    private async IAsyncEnumerable<ChatEvent> StreamAsync(Func<CallOptions, AsyncServerStreamingCall<ChatEvent>> start,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var call = start(await AuthorizedAsync(cancellationToken));
        while (true)
        {
            try
            {
                if (!await call.ResponseStream.MoveNext(cancellationToken))
                {
                    yield break;
                }
            }
            catch (RpcException exception) when (exception.StatusCode == StatusCode.Unauthenticated)
            {
                await tokens.EndAsync();
                throw new SessionEndedException();
            }

            yield return call.ResponseStream.Current;
        }
    }

    private async Task<CallOptions> AuthorizedAsync(CancellationToken cancellationToken) =>
        new(new Metadata { { "authorization", "Bearer " + await tokens.GetAccessTokenAsync(cancellationToken) } },
            cancellationToken: cancellationToken);
}
