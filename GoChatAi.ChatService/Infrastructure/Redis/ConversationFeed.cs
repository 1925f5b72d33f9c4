using System.Buffers.Text;
using System.Globalization;
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
/// <item><c>chat:feed:{id}:seq</c>, a counter: the last sequence number given out or reserved. A new feed starts at
/// the time (Unix milliseconds × 1000, <see cref="FirstSequenceBase"/>), not at 1, so that numbers never go back,
/// even when the counter is lost (it expires with the events, and the cache may restart empty): a cursor from before
/// is then older than every event kept, and is told so (OUT_OF_RANGE), instead of resuming at another event that got
/// its number.</item>
/// <item><c>chat:feed:{id}:entries</c>, a sorted set: score = sequence, member = <c>{sequence}:{json}</c>
/// (the prefix keeps two equal events apart; the JSON is <see cref="FeedEventJson"/>'s). It expires <see cref="ChatOptions.EventRetention"/> after the last
/// event and keeps at most <see cref="ChatOptions.MaxEventsPerConversation"/>.</item>
/// <item><c>chat:feed:{id}:written</c>: the highest place written of those reserved ahead.</item>
/// <item><c>chat:feed:{id}</c>, a pub/sub channel that says "there is more"; readers then read the sorted set.</item>
/// </list>
/// A generation's lease (<see cref="GenerationLeases"/>) reserves the places after the counter for its events, which
/// are written later at those places; everything else (a message sent meanwhile) takes the places after them. So
/// while the lease stands, readers read no further than the reserved places written so far: an event is visible only
/// once every lower number is, and a reader that has seen N never misses N-1 arriving late. The append that writes
/// a generation's last event, its answer stored, ends its lease in the same step.
/// </remarks>
public sealed class ConversationFeed(IConnectionMultiplexer redis, IOptions<ChatOptions> options, TimeProvider timeProvider) : IConversationFeed
{
    // KEYS per conversation: its counter, events, written mark, lease and the lease's end mark. ARGV: retention (ms),
    // the most events kept, the number before a new feed's first, the lease (ms), then per conversation the number
    // of its events, the place of the first when numbered ahead (else 0), the generation whose lease ends (else ''),
    // then the events. Returns each conversation's last number. Numbers are written with %d: Redis's Lua holds them
    // as doubles, whose default text loses digits past 14.
    private const string AppendScript = """
        local retention = ARGV[1]
        local keep = tonumber(ARGV[2])
        local base = ARGV[3]
        local lease = ARGV[4]
        local at = 5
        local last = {}
        for i = 1, #KEYS, 5 do
          local count = tonumber(ARGV[at])
          local first = tonumber(ARGV[at + 1])
          local ends = ARGV[at + 2]
          at = at + 3
          redis.call('SET', KEYS[i], base, 'NX')
          local top
          if first > 0 then
            -- Reserved by the lease, so below the counter (a counter the cache lost starts again at the time, past
            -- them too). One writer writes a generation's places in order: the mark only moves up, but for a
            -- generation that lost its lease, whose late events hold back readers until the next one writes.
            top = first + count - 1
            redis.call('SET', KEYS[i + 2], string.format('%d', top), 'PX', retention)
          else
            top = redis.call('INCRBY', KEYS[i], count)
          end
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
          if ends ~= '' then
            local held = redis.call('GET', KEYS[i + 3])
            if held and string.sub(held, 1, 32) == ends then
              redis.call('DEL', KEYS[i + 3])
            end
            -- Ended: a renewal on its way must not take the lease again.
            redis.call('SET', KEYS[i + 4], 'ended', 'PX', lease)
          end
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

    // The last place readers may see while a lease's reserved places are not all written (the highest of them
    // written), else nil: they never read past an event that is still to be written below others.
    private const string VisibleUpToFunction = """
        local function visible_upto(lease_key, written_key)
          local held = redis.call('GET', lease_key)
          if held then
            local before, last = string.match(held, '^%x+:(%d+):(%d+)$')
            if last then
              local written = math.max(tonumber(redis.call('GET', written_key) or '0'), tonumber(before))
              if written < tonumber(last) then
                return written
              end
            end
          end
          return nil
        end
        """;

    // KEYS: the events, the lease, the written mark. ARGV: the position after which to read, the most to read.
    private const string ReadScript = VisibleUpToFunction + "\n" + """
        local upto = visible_upto(KEYS[2], KEYS[3])
        return redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], upto and string.format('%d', upto) or '+inf', 'LIMIT', 0, ARGV[2])
        """;

    // KEYS: the counter, the events, the lease, the written mark. Returns the last place given out (0 without a
    // feed), the oldest kept (-1 for none) and the last place readers may see, as text.
    private const string ExtentScript = VisibleUpToFunction + "\n" + """
        local counter = tonumber(redis.call('GET', KEYS[1]) or '0')
        local oldest = redis.call('ZRANGE', KEYS[2], 0, 0)[1]
        local upto = visible_upto(KEYS[3], KEYS[4]) or counter
        return { string.format('%d', counter), oldest and string.match(oldest, '^(%d+):') or '-1', string.format('%d', upto) }
        """;

    /// <summary>Readers look again this often even without a notification, in case one was lost with a connection.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);

    private const int PageSize = 500;

    public async Task<IReadOnlyList<FeedEntry>> AppendAsync(IReadOnlyList<FeedAppend> appends)
    {
        var settings = options.Value;
        var events = appends.Sum(append => append.Events.Count);
        var keys = new RedisKey[appends.Count * 5];
        var values = new RedisValue[4 + (appends.Count * 3) + events];
        values[0] = (long)settings.EventRetention.TotalMilliseconds;
        values[1] = settings.MaxEventsPerConversation;
        values[2] = FirstSequenceBase(timeProvider);
        values[3] = (long)settings.GenerationLease.TotalMilliseconds;
        var next = 4;
        for (var i = 0; i < appends.Count; i++)
        {
            var append = appends[i];
            keys[5 * i] = SequenceKey(append.ConversationId);
            keys[(5 * i) + 1] = EventsKey(append.ConversationId);
            keys[(5 * i) + 2] = WrittenKey(append.ConversationId);
            keys[(5 * i) + 3] = GenerationLeases.LeaseKey(append.ConversationId);
            keys[(5 * i) + 4] = append.EndsLease is { } ending ? GenerationLeases.ClaimKey(ending) : keys[(5 * i) + 3];
            values[next++] = append.Events.Count;
            values[next++] = append.FirstSequence;
            values[next++] = append.EndsLease is { } ends ? ends.ToString("N") : "";
            foreach (var chatEvent in append.Events)
            {
                values[next++] = FeedEventJson.Serialize(chatEvent);
            }
        }

        var database = redis.GetDatabase();
        var last = (long[])(await database.ScriptEvaluateAsync(AppendScript, keys, values))!;
        var subscriber = redis.GetSubscriber();
        var entries = new List<FeedEntry>(events);
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
        redis.GetDatabase().KeyDeleteAsync([SequenceKey(conversationId), EventsKey(conversationId), WrittenKey(conversationId)]);

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

        var extent = (string[])(await redis.GetDatabase().ScriptEvaluateAsync(ExtentScript,
            [SequenceKey(conversationId), EventsKey(conversationId), GenerationLeases.LeaseKey(conversationId), WrittenKey(conversationId)]))!;
        var (last, oldestKept, visible) = (long.Parse(extent[0], CultureInfo.InvariantCulture),
            long.Parse(extent[1], CultureInfo.InvariantCulture), long.Parse(extent[2], CultureInfo.InvariantCulture));
        // With no feed at all (expired, or lost with the cache), every cursor is older than what is kept.
        if (after > last && last > 0)
        {
            throw ServiceException.InvalidArgument("after", "is not a cursor of this conversation's feed");
        }

        // Compared with what readers may see: places reserved but not yet written were never kept, so not lost.
        if (oldestKept < 0)
        {
            oldestKept = visible + 1;
        }

        if (last == 0 || (after < visible && oldestKept > after + 1))
        {
            throw new ServiceException(ErrorKind.OutOfRange,
                "The events after this cursor are no longer kept: reload the messages with GetHistory and reconnect without a cursor.");
        }
    }

    private async Task<List<FeedEntry>> ReadAfterAsync(Guid conversationId, long after)
    {
        var members = (RedisValue[])(await redis.GetDatabase().ScriptEvaluateAsync(ReadScript,
            [EventsKey(conversationId), GenerationLeases.LeaseKey(conversationId), WrittenKey(conversationId)], [after, PageSize]))!;
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

    /// <summary>The number before a feed's first event, when it starts now.</summary>
    public static long FirstSequenceBase(TimeProvider timeProvider) => timeProvider.GetUtcNow().ToUnixTimeMilliseconds() * 1000;

    public static RedisKey SequenceKey(Guid conversationId) => $"chat:feed:{conversationId:N}:seq";

    private static RedisKey WrittenKey(Guid conversationId) => $"chat:feed:{conversationId:N}:written";

    // Named for its format: the feeds written before (protobuf, in ":events") are never read, only left to expire.
    private static RedisKey EventsKey(Guid conversationId) => $"chat:feed:{conversationId:N}:entries";

    private static RedisChannel NotificationChannel(Guid conversationId) => RedisChannel.Literal($"chat:feed:{conversationId:N}");
}
