using System.Runtime.CompilerServices;
using GoChatAi.ChatService.Infrastructure.Redis;
using GoChatAi.Contracts.Chat.V1;

namespace GoChatAi.ChatService.Application;

/// <summary>The event streams the API sends, cut from conversations' feeds.</summary>
public sealed class ChatEventStreams(ChatEventFeed feed)
{
    /// <summary>One generation's events, from its user message to its end (StreamChat, the SSE endpoint).</summary>
    public async IAsyncEnumerable<ChatEvent> FollowGenerationAsync(StartedGeneration started, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var generationId = started.Answer.GenerationId!.Value.ToString();
        await foreach (var chatEvent in feed.FollowAsync(started.Conversation.Id, started.FeedSequenceBefore, cancellationToken))
        {
            if (chatEvent.GenerationId != generationId)
            {
                continue;
            }

            yield return chatEvent;
            if (ChatEvents.IsFinal(chatEvent))
            {
                yield break;
            }
        }
    }

    /// <summary>
    /// Everything after a cursor until the first generation that ends after it (resuming an SSE stream): the
    /// rest of the answer the client was following.
    /// </summary>
    public async IAsyncEnumerable<ChatEvent> ResumeAsync(FeedCursor cursor, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var chatEvent in feed.FollowAsync(cursor.ConversationId, cursor.Sequence, cancellationToken))
        {
            yield return chatEvent;
            if (ChatEvents.IsFinal(chatEvent))
            {
                yield break;
            }
        }
    }

    /// <summary>A conversation's whole feed from a position on, until the caller stops (StreamMessages).</summary>
    public IAsyncEnumerable<ChatEvent> FollowConversationAsync(Guid conversationId, long after, CancellationToken cancellationToken) =>
        feed.FollowAsync(conversationId, after, cancellationToken);
}
