using System.Runtime.CompilerServices;
using System.Threading.Channels;
using GoChatAi.ChatService.Application;
using GoChatAi.Contracts.Chat.V1;
using GoChatAi.ServiceDefaults.Errors;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace GoChatAi.ChatService.Infrastructure.Redis;

/// <summary>
/// Each conversation's feed of <see cref="ChatEvent"/>s in Redis, readable from every replica: replay from a
/// cursor, then live.
/// </summary>
/// <remarks>
/// Built on commands that Redis and Garnet both have (Garnet has no Streams):
/// <list type="bullet">
/// <item><c>chat:feed:{id}:seq</c>, a counter: the last sequence number given out; it never goes back, so numbers
/// are never reused (it goes with the conversation).</item>
/// <item><c>chat:feed:{id}:events</c>, a sorted set: score = sequence, member = <c>{sequence}:{base64 protobuf}</c>
/// (the prefix keeps two equal events apart). It expires <see cref="ChatOptions.EventRetention"/> after the last
/// event and keeps at most <see cref="ChatOptions.MaxEventsPerConversation"/>.</item>
/// <item><c>chat:feed:{id}</c>, a pub/sub channel that says "there is more"; readers then read the sorted set.</item>
/// </list>
/// One Lua script numbers and stores an event, so an event is visible only once every lower number is: a reader
/// that has seen N never misses N-1 arriving late.
/// </remarks>
public sealed class ChatEventFeed(IConnectionMultiplexer redis, IOptions<ChatOptions> options)
{
    private const string AppendScript = """
        local sequence = redis.call('INCR', KEYS[1])
        redis.call('ZADD', KEYS[2], sequence, sequence .. ':' .. ARGV[1])
        redis.call('PEXPIRE', KEYS[2], ARGV[2])
        local count = redis.call('ZCARD', KEYS[2])
        local keep = tonumber(ARGV[3])
        if count > keep then
          redis.call('ZREMRANGEBYRANK', KEYS[2], 0, count - keep - 1)
        end
        return sequence
        """;

    /// <summary>Readers look again this often even without a notification, in case one was lost with a connection.</summary>
    private static readonly TimeSpan s_pollInterval = TimeSpan.FromSeconds(2);

    private const int PageSize = 500;

    /// <summary>Stores an event, gives it its sequence and cursor, and tells live readers.</summary>
    public async Task<ChatEvent> AppendAsync(Guid conversationId, ChatEvent chatEvent)
    {
        var settings = options.Value;
        chatEvent.Sequence = 0;
        chatEvent.Cursor = "";
        chatEvent.ConversationId = conversationId.ToString();
        var database = redis.GetDatabase();
        var result = await database.ScriptEvaluateAsync(AppendScript,
            [SequenceKey(conversationId), EventsKey(conversationId)],
            [
                Convert.ToBase64String(chatEvent.ToByteArray()),
                (long)settings.EventRetention.TotalMilliseconds,
                settings.MaxEventsPerConversation,
            ]);
        var sequence = (long)result;
        await redis.GetSubscriber().PublishAsync(NotificationChannel(conversationId), sequence);
        chatEvent.Sequence = sequence;
        chatEvent.Cursor = new FeedCursor(conversationId, sequence).ToString();
        return chatEvent;
    }

    /// <summary>The last sequence number given out in a conversation (0 before the first event).</summary>
    public async Task<long> LastSequenceAsync(Guid conversationId)
    {
        var value = await redis.GetDatabase().StringGetAsync(SequenceKey(conversationId));
        return value.TryParse(out long sequence) ? sequence : 0;
    }

    /// <summary>
    /// Every event after <paramref name="after"/>, then the new ones as they come, until cancelled. Fails with
    /// OUT_OF_RANGE when events after the cursor are no longer kept, and INVALID_ARGUMENT for a cursor from the future.
    /// </summary>
    public async IAsyncEnumerable<ChatEvent> FollowAsync(Guid conversationId, long after, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var signals = System.Threading.Channels.Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
        var subscriber = redis.GetSubscriber();
        var channel = NotificationChannel(conversationId);
        void OnNotified(RedisChannel _, RedisValue __) => signals.Writer.TryWrite(true);

        // Subscribed before the first read, so that nothing stored in between goes unnoticed.
        await subscriber.SubscribeAsync(channel, OnNotified);
        try
        {
            await EnsureReplayableAsync(conversationId, after);
            var last = after;
            while (!cancellationToken.IsCancellationRequested)
            {
                var page = await ReadAfterAsync(conversationId, last);
                foreach (var chatEvent in page)
                {
                    last = chatEvent.Sequence;
                    yield return chatEvent;
                }

                if (page.Count == PageSize)
                {
                    continue;
                }

                using var poll = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                poll.CancelAfter(s_pollInterval);
                try
                {
                    await signals.Reader.ReadAsync(poll.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // Nothing said; look anyway.
                }
            }
        }
        finally
        {
            await subscriber.UnsubscribeAsync(channel, OnNotified);
        }
    }

    /// <summary>Forgets a conversation's feed (the conversation is gone).</summary>
    public Task DeleteAsync(Guid conversationId) =>
        redis.GetDatabase().KeyDeleteAsync([SequenceKey(conversationId), EventsKey(conversationId)]);

    private async Task EnsureReplayableAsync(Guid conversationId, long after)
    {
        var database = redis.GetDatabase();
        var lastTask = LastSequenceAsync(conversationId);
        var firstTask = database.SortedSetRangeByRankWithScoresAsync(EventsKey(conversationId), 0, 0);
        var last = await lastTask;
        var first = await firstTask;
        if (after > last)
        {
            throw ServiceException.InvalidArgument("after", "is not a cursor of this conversation's feed");
        }

        var oldestKept = first.Length > 0 ? (long)first[0].Score : last + 1;
        if (after < last && oldestKept > after + 1)
        {
            throw new ServiceException(ErrorKind.OutOfRange,
                "The events after this cursor are no longer kept: reload the messages with GetHistory and reconnect without a cursor.");
        }
    }

    private async Task<List<ChatEvent>> ReadAfterAsync(Guid conversationId, long after)
    {
        var entries = await redis.GetDatabase().SortedSetRangeByScoreAsync(
            EventsKey(conversationId), after, double.PositiveInfinity, Exclude.Start, Order.Ascending, 0, PageSize);
        var events = new List<ChatEvent>(entries.Length);
        foreach (var entry in entries)
        {
            var text = (string)entry!;
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            var sequence = long.Parse(text.AsSpan(0, colon), System.Globalization.CultureInfo.InvariantCulture);
            var chatEvent = ChatEvent.Parser.ParseFrom(Convert.FromBase64String(text[(colon + 1)..]));
            chatEvent.Sequence = sequence;
            chatEvent.Cursor = new FeedCursor(conversationId, sequence).ToString();
            events.Add(chatEvent);
        }

        return events;
    }

    private static RedisKey SequenceKey(Guid conversationId) => $"chat:feed:{conversationId:N}:seq";

    private static RedisKey EventsKey(Guid conversationId) => $"chat:feed:{conversationId:N}:events";

    private static RedisChannel NotificationChannel(Guid conversationId) => RedisChannel.Literal($"chat:feed:{conversationId:N}");
}
