using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
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
/// <item><c>chat:feed:{id}:events</c>, a sorted set: score = sequence, member = <c>{sequence}:{protobuf}</c>
/// (the prefix keeps two equal events apart). It expires <see cref="ChatOptions.EventRetention"/> after the last
/// event and keeps at most <see cref="ChatOptions.MaxEventsPerConversation"/>.</item>
/// <item><c>chat:feed:{id}</c>, a pub/sub channel that says "there is more"; readers then read the sorted set.</item>
/// </list>
/// One Lua script numbers and stores the events of many conversations at once, so an event is visible only once
/// every lower number is: a reader that has seen N never misses N-1 arriving late.
/// </remarks>
public sealed class ChatEventFeed(IConnectionMultiplexer redis, IOptions<ChatOptions> options) : IChatEventFeed
{
    // KEYS: a sequence key and an events key per conversation. ARGV: retention (ms), the most events kept, then
    // per conversation the number of its events followed by the events. Returns each conversation's last number.
    private const string AppendScript = """
        local retention = ARGV[1]
        local keep = tonumber(ARGV[2])
        local at = 3
        local last = {}
        for i = 1, #KEYS, 2 do
          local count = tonumber(ARGV[at])
          at = at + 1
          local top = redis.call('INCRBY', KEYS[i], count)
          local entries = {}
          for j = 0, count - 1 do
            local sequence = top - count + 1 + j
            entries[#entries + 1] = sequence
            entries[#entries + 1] = sequence .. ':' .. ARGV[at + j]
          end
          at = at + count
          redis.call('ZADD', KEYS[i + 1], unpack(entries))
          redis.call('PEXPIRE', KEYS[i + 1], retention)
          local size = redis.call('ZCARD', KEYS[i + 1])
          if size > keep then
            redis.call('ZREMRANGEBYRANK', KEYS[i + 1], 0, size - keep - 1)
          end
          last[#last + 1] = top
        end
        return last
        """;

    /// <summary>Readers look again this often even without a notification, in case one was lost with a connection.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);

    private const int PageSize = 500;

    public async Task AppendAsync(IReadOnlyList<FeedAppend> appends)
    {
        var settings = options.Value;
        var keys = new RedisKey[appends.Count * 2];
        var values = new List<RedisValue>(2 + appends.Sum(a => a.Events.Count + 1))
        {
            (long)settings.EventRetention.TotalMilliseconds,
            settings.MaxEventsPerConversation,
        };
        for (var i = 0; i < appends.Count; i++)
        {
            var append = appends[i];
            keys[2 * i] = SequenceKey(append.ConversationId);
            keys[(2 * i) + 1] = EventsKey(append.ConversationId);
            values.Add(append.Events.Count);
            foreach (var chatEvent in append.Events)
            {
                values.Add(Serialize(chatEvent));
            }
        }

        var database = redis.GetDatabase();
        var last = (long[])(await database.ScriptEvaluateAsync(AppendScript, keys, [.. values]))!;
        var subscriber = redis.GetSubscriber();
        for (var i = 0; i < appends.Count; i++)
        {
            var append = appends[i];
            var sequence = last[i] - append.Events.Count;
            foreach (var chatEvent in append.Events)
            {
                Locate(chatEvent, append.ConversationId, ++sequence);
            }

            // Readers look at the sorted set again (and every few seconds anyway): a lost notification costs a delay only.
            _ = subscriber.PublishAsync(NotificationChannel(append.ConversationId), last[i], CommandFlags.FireAndForget);
        }
    }

    public async Task<ChatEvent> AppendAsync(Guid conversationId, ChatEvent chatEvent)
    {
        await AppendAsync([new FeedAppend(conversationId, [chatEvent])]);
        return chatEvent;
    }

    public async Task<long> LastSequenceAsync(Guid conversationId)
    {
        var value = await redis.GetDatabase().StringGetAsync(SequenceKey(conversationId));
        return value.TryParse(out long sequence) ? sequence : 0;
    }

    /// <summary>Reads are idle after <see cref="PollInterval"/> without a notification.</summary>
    public async IAsyncEnumerable<ChatEvent> FollowAsync(
        Guid conversationId, long after, Func<long, Task<IReadOnlyList<ChatEvent>?>>? onIdle, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var signals = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
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

                if (!await WaitForMoreAsync(signals.Reader, cancellationToken) && onIdle is not null)
                {
                    var more = await onIdle(last);
                    if (more is null)
                    {
                        yield break;
                    }

                    foreach (var chatEvent in more)
                    {
                        yield return chatEvent;
                    }
                }
            }
        }
        finally
        {
            await subscriber.UnsubscribeAsync(channel, OnNotified);
        }
    }

    public async Task<List<ChatEvent>> ReadGenerationAsync(Guid conversationId, Guid generationId)
    {
        var id = generationId.ToString();
        var events = new List<ChatEvent>();
        for (var last = 0L; ;)
        {
            var page = await ReadAfterAsync(conversationId, last);
            events.AddRange(page.Where(e => e.GenerationId == id));
            if (page.Count < PageSize)
            {
                return events;
            }

            last = page[^1].Sequence;
        }
    }

    public Task DeleteAsync(Guid conversationId) =>
        redis.GetDatabase().KeyDeleteAsync([SequenceKey(conversationId), EventsKey(conversationId)]);

    private static async Task<bool> WaitForMoreAsync(ChannelReader<bool> signals, CancellationToken cancellationToken)
    {
        using var poll = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        poll.CancelAfter(PollInterval);
        try
        {
            await signals.ReadAsync(poll.Token);
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Nothing said; look anyway.
            return false;
        }
    }

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
            ReadOnlyMemory<byte> bytes = (byte[])entry!;
            var colon = bytes.Span.IndexOf((byte)':');
            var sequence = long.Parse(Encoding.ASCII.GetString(bytes.Span[..colon]), CultureInfo.InvariantCulture);
            var chatEvent = ChatEvent.Parser.ParseFrom(bytes.Span[(colon + 1)..]);
            Locate(chatEvent, conversationId, sequence);
            events.Add(chatEvent);
        }

        return events;
    }

    /// <summary>An event as stored: where it is (conversation, sequence, cursor) is the feed's to say, not the payload's.</summary>
    private static byte[] Serialize(ChatEvent chatEvent)
    {
        chatEvent.Sequence = 0;
        chatEvent.Cursor = "";
        chatEvent.ConversationId = "";
        return chatEvent.ToByteArray();
    }

    private static void Locate(ChatEvent chatEvent, Guid conversationId, long sequence)
    {
        chatEvent.ConversationId = conversationId.ToString();
        chatEvent.Sequence = sequence;
        chatEvent.Cursor = new FeedCursor(conversationId, sequence).ToString();
    }

    public static RedisKey SequenceKey(Guid conversationId) => $"chat:feed:{conversationId:N}:seq";

    private static RedisKey EventsKey(Guid conversationId) => $"chat:feed:{conversationId:N}:events";

    private static RedisChannel NotificationChannel(Guid conversationId) => RedisChannel.Literal($"chat:feed:{conversationId:N}");
}
