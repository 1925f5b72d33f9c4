using System.Buffers.Text;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using GoChatAi.ChatService.Application;
using GoChatAi.ChatService.Application.Feeds;
using GoChatAi.ServiceDefaults.Errors;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace GoChatAi.ChatService.Infrastructure.Redis;

/// <summary>
/// Each conversation's feed of <see cref="ConversationEvent"/>s in Redis, readable from every replica: replay from
/// a cursor, then live.
/// </summary>
/// <remarks>
/// Built on commands that Redis and Garnet both have (Garnet has no Streams):
/// <list type="bullet">
/// <item><c>chat:feed:{id}:seq</c>, a counter: the last sequence number given out. A new feed starts at the time
/// (Unix milliseconds × 1000), not at 1, so that numbers never go back, even when the counter is lost (it expires
/// with the events, and the cache may restart empty): a cursor from before is then older than every event kept,
/// and is told so (OUT_OF_RANGE), instead of resuming at another event that got its number.</item>
/// <item><c>chat:feed:{id}:entries</c>, a sorted set: score = sequence, member = <c>{sequence}:{json}</c>
/// (the prefix keeps two equal events apart; the JSON is <see cref="FeedEventJson"/>'s). It expires <see cref="ChatOptions.EventRetention"/> after the last
/// event and keeps at most <see cref="ChatOptions.MaxEventsPerConversation"/>.</item>
/// <item><c>chat:feed:{id}</c>, a pub/sub channel that says "there is more"; readers then read the sorted set.</item>
/// </list>
/// One Lua script numbers and stores the events of many conversations at once, so an event is visible only once
/// every lower number is: a reader that has seen N never misses N-1 arriving late.
/// </remarks>
public sealed class ConversationFeed(IConnectionMultiplexer redis, IOptions<ChatOptions> options, TimeProvider timeProvider) : IConversationFeed
{
    // KEYS: a sequence key and an events key per conversation. ARGV: retention (ms), the most events kept, the
    // number before a new feed's first, then per conversation the number of its events followed by the events.
    // Returns each conversation's last number. Numbers are written with %d: Redis's Lua holds them as doubles,
    // whose default text loses digits past 14.
    private const string AppendScript = """
        local retention = ARGV[1]
        local keep = tonumber(ARGV[2])
        local base = ARGV[3]
        local at = 4
        local last = {}
        for i = 1, #KEYS, 2 do
          local count = tonumber(ARGV[at])
          at = at + 1
          redis.call('SET', KEYS[i], base, 'NX')
          local top = redis.call('INCRBY', KEYS[i], count)
          -- ZADD takes at most 500 events at a time: unpack's results are bounded (8,000 in Redis).
          for from = 0, count - 1, 500 do
            local entries = {}
            for j = from, math.min(from + 499, count - 1) do
              local sequence = top - count + 1 + j
              entries[#entries + 1] = sequence
              entries[#entries + 1] = string.format('%d', sequence) .. ':' .. ARGV[at + j]
            end
            redis.call('ZADD', KEYS[i + 1], unpack(entries))
          end
          at = at + count
          redis.call('PEXPIRE', KEYS[i], retention)
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

    public async Task<IReadOnlyList<FeedEntry>> AppendAsync(IReadOnlyList<FeedAppend> appends)
    {
        var settings = options.Value;
        var keys = new RedisKey[appends.Count * 2];
        var values = new List<RedisValue>(3 + appends.Sum(a => a.Events.Count + 1))
        {
            (long)settings.EventRetention.TotalMilliseconds,
            settings.MaxEventsPerConversation,
            timeProvider.GetUtcNow().ToUnixTimeMilliseconds() * 1000,
        };
        for (var i = 0; i < appends.Count; i++)
        {
            var append = appends[i];
            keys[2 * i] = SequenceKey(append.ConversationId);
            keys[(2 * i) + 1] = EventsKey(append.ConversationId);
            values.Add(append.Events.Count);
            foreach (var chatEvent in append.Events)
            {
                values.Add(FeedEventJson.Serialize(chatEvent));
            }
        }

        var database = redis.GetDatabase();
        var last = (long[])(await database.ScriptEvaluateAsync(AppendScript, keys, [.. values]))!;
        var subscriber = redis.GetSubscriber();
        var entries = new List<FeedEntry>(values.Count);
        for (var i = 0; i < appends.Count; i++)
        {
            var append = appends[i];
            var sequence = last[i] - append.Events.Count;
            foreach (var chatEvent in append.Events)
            {
                entries.Add(new FeedEntry(append.ConversationId, ++sequence, chatEvent));
            }

            // Readers look at the sorted set again (and every few seconds anyway): a lost notification costs a delay only.
            _ = subscriber.PublishAsync(NotificationChannel(append.ConversationId), last[i], CommandFlags.FireAndForget);
        }

        return entries;
    }

    public async Task<FeedEntry> AppendAsync(Guid conversationId, ConversationEvent chatEvent) =>
        (await AppendAsync([new FeedAppend(conversationId, [chatEvent])]))[0];

    public async Task<long> LastSequenceAsync(Guid conversationId)
    {
        var value = await redis.GetDatabase().StringGetAsync(SequenceKey(conversationId));
        return value.TryParse(out long sequence) ? sequence : 0;
    }

    /// <summary>Reads are idle after <see cref="PollInterval"/> without a notification.</summary>
    public async IAsyncEnumerable<FeedEntry> FollowAsync(
        Guid conversationId, long after, Func<long, Task<IReadOnlyList<FeedEntry>?>>? onIdle, [EnumeratorCancellation] CancellationToken cancellationToken)
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
                foreach (var entry in page)
                {
                    last = entry.Sequence;
                    yield return entry;
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

                    foreach (var entry in more)
                    {
                        yield return entry;
                    }
                }
            }
        }
        finally
        {
            await subscriber.UnsubscribeAsync(channel, OnNotified);
        }
    }

    public async Task<IReadOnlyList<ConversationEvent>> ReadGenerationAsync(Guid conversationId, Guid generationId)
    {
        var events = new List<ConversationEvent>();
        for (var last = 0L; ;)
        {
            var page = await ReadAfterAsync(conversationId, last);
            events.AddRange(page.Select(entry => entry.Event).Where(e => e.GenerationId == generationId));
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
        // 0 is the start of the feed, whatever it still keeps (the position before a new feed's first generation):
        // nothing to check, so nothing to read.
        if (after == 0)
        {
            return;
        }

        var database = redis.GetDatabase();
        var lastTask = LastSequenceAsync(conversationId);
        var firstTask = database.SortedSetRangeByRankWithScoresAsync(EventsKey(conversationId), 0, 0);
        var last = await lastTask;
        var first = await firstTask;
        // With no feed at all (expired, or lost with the cache), every cursor is older than what is kept.
        if (after > last && last > 0)
        {
            throw ServiceException.InvalidArgument("after", "is not a cursor of this conversation's feed");
        }

        var oldestKept = first.Length > 0 ? (long)first[0].Score : last + 1;
        if (last == 0 || (after < last && oldestKept > after + 1))
        {
            throw new ServiceException(ErrorKind.OutOfRange,
                "The events after this cursor are no longer kept: reload the messages with GetHistory and reconnect without a cursor.");
        }
    }

    private async Task<List<FeedEntry>> ReadAfterAsync(Guid conversationId, long after)
    {
        var members = await redis.GetDatabase().SortedSetRangeByScoreAsync(
            EventsKey(conversationId), after, double.PositiveInfinity, Exclude.Start, Order.Ascending, 0, PageSize);
        var entries = new List<FeedEntry>(members.Length);
        foreach (var member in members)
        {
            ReadOnlySpan<byte> bytes = (byte[])member!;
            var colon = bytes.IndexOf((byte)':');
            if (!Utf8Parser.TryParse(bytes[..colon], out long sequence, out _))
            {
                throw new InvalidDataException($"A member of {EventsKey(conversationId)} has no sequence.");
            }

            entries.Add(new FeedEntry(conversationId, sequence, FeedEventJson.Deserialize(bytes[(colon + 1)..])));
        }

        return entries;
    }

    public static RedisKey SequenceKey(Guid conversationId) => $"chat:feed:{conversationId:N}:seq";

    // Named for its format: the feeds written before (protobuf, in ":events") are never read, only left to expire.
    private static RedisKey EventsKey(Guid conversationId) => $"chat:feed:{conversationId:N}:entries";

    private static RedisChannel NotificationChannel(Guid conversationId) => RedisChannel.Literal($"chat:feed:{conversationId:N}");
}
