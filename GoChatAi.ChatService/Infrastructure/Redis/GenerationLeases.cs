using System.Globalization;
using Microsoft.Extensions.Options;
using GoChatAi.ChatService.Application;
using StackExchange.Redis;

namespace GoChatAi.ChatService.Infrastructure.Redis;

/// <summary>The generation leases in Redis (see <see cref="IGenerationLeases"/>).</summary>
/// <remarks>
/// <c>chat:generation:{conversation}</c> = <c>{generation}:{feed sequence before its first event}:{last sequence
/// reserved for it}</c>, set only if absent, expiring after <see cref="ChatOptions.GenerationLease"/> unless renewed;
/// taking it moves the feed's counter past the reserved places (<see cref="ConversationFeed"/> reads it).
/// <c>chat:abandoned:{generation}</c> marks a generation another replica is finishing, or one that has ended (its
/// lease must not be taken again). Cancel requests go out on <c>chat:generation-cancel</c>.
/// </remarks>
public sealed class GenerationLeases(IConnectionMultiplexer redis, IOptions<ChatOptions> options, TimeProvider timeProvider) : IGenerationLeases
{
    /// <summary>
    /// The places of a conversation's feed reserved for a generation's events: enough for most answers at one event a
    /// piece (later events are numbered as they are written). Cheap: a feed's numbers run 1,000 a millisecond ahead
    /// of the clock's (see <see cref="ConversationFeed"/>), so a reservation moves them by about 4 ms.
    /// </summary>
    public const int ReservedSequences = 4096;

    private static readonly RedisChannel s_cancelChannel = RedisChannel.Literal("chat:generation-cancel");

    /// <summary>How long a claim on an abandoned generation keeps others off it.</summary>
    private static readonly TimeSpan s_claimLifetime = TimeSpan.FromMinutes(1);

    // KEYS[1] the lease, KEYS[2] the feed's counter. ARGV[1] the generation, ARGV[2] the lease (ms), ARGV[3] the
    // places to reserve, ARGV[4] the number before a new feed's first (as the feed's append script starts one),
    // ARGV[5] how long the feed is kept (ms), which the counter expires with.
    private const string AcquireScript = """
        if redis.call('EXISTS', KEYS[1]) == 1 then
          return false
        end
        redis.call('SET', KEYS[2], ARGV[4], 'NX')
        local last = redis.call('INCRBY', KEYS[2], ARGV[3])
        local value = ARGV[1] .. ':' .. string.format('%d', last - tonumber(ARGV[3])) .. ':' .. string.format('%d', last)
        redis.call('SET', KEYS[1], value, 'PX', ARGV[2])
        redis.call('PEXPIRE', KEYS[2], ARGV[5])
        return value
        """;

    // KEYS: n leases, then their n abandonment claims. ARGV[1] the lease (ms), then n lease values. A lease the
    // cache lost (a restart) is taken again, unless another replica has meanwhile claimed the generation as abandoned.
    private const string RenewScript = """
        local n = #KEYS / 2
        local held = {}
        for i = 1, n do
          local value = ARGV[i + 1]
          local generation = string.sub(value, 1, 32)
          local current = redis.call('GET', KEYS[i])
          if current and string.sub(current, 1, 32) == generation then
            redis.call('PEXPIRE', KEYS[i], ARGV[1])
            held[i] = 1
          elseif not current and redis.call('EXISTS', KEYS[n + i]) == 0 then
            redis.call('SET', KEYS[i], value, 'PX', ARGV[1])
            held[i] = 1
          else
            held[i] = 0
          end
        end
        return held
        """;

    // KEYS[1] the lease, KEYS[2] the claim. ARGV[1] the generation, ARGV[2] the claim's lifetime (ms).
    private const string ClaimScript = """
        local current = redis.call('GET', KEYS[1])
        if current and string.sub(current, 1, 32) == ARGV[1] then
          return 0
        end
        if redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[2]) then
          return 1
        end
        return 0
        """;

    private const string ReleaseScript = """
        local value = redis.call('GET', KEYS[1])
        if value and string.sub(value, 1, 32) == ARGV[1] then
          return redis.call('DEL', KEYS[1])
        end
        return 0
        """;

    private long LeaseMilliseconds => (long)options.Value.GenerationLease.TotalMilliseconds;

    public async Task<LeasedGeneration?> TryAcquireAsync(Guid conversationId, Guid generationId)
    {
        var value = (string?)await redis.GetDatabase().ScriptEvaluateAsync(AcquireScript,
            [LeaseKey(conversationId), ConversationFeed.SequenceKey(conversationId)],
            [Id(generationId), LeaseMilliseconds, ReservedSequences, ConversationFeed.FirstSequenceBase(timeProvider),
                (long)options.Value.EventRetention.TotalMilliseconds]);
        if (value is null)
        {
            return null;
        }

        var (_, before, last) = Parse(value);
        return new LeasedGeneration(conversationId, generationId, before!.Value, last!.Value);
    }

    public async Task<bool[]> RenewAsync(IReadOnlyList<LeasedGeneration> generations)
    {
        var keys = new RedisKey[generations.Count * 2];
        var values = new RedisValue[generations.Count + 1];
        values[0] = LeaseMilliseconds;
        for (var i = 0; i < generations.Count; i++)
        {
            var generation = generations[i];
            keys[i] = LeaseKey(generation.ConversationId);
            keys[generations.Count + i] = ClaimKey(generation.GenerationId);
            values[i + 1] = Value(generation);
        }

        var held = (long[])(await redis.GetDatabase().ScriptEvaluateAsync(RenewScript, keys, values))!;
        return [.. held.Select(h => h == 1)];
    }

    public async Task<RunningGeneration?> GetRunningAsync(Guid conversationId)
    {
        var value = (string?)await redis.GetDatabase().StringGetAsync(LeaseKey(conversationId));
        return value is not null && Parse(value) is { GenerationId: { } id } parsed ? new RunningGeneration(id, parsed.SequenceBefore) : null;
    }

    public async Task<bool> TryClaimAbandonedAsync(Guid conversationId, Guid generationId) =>
        (long)await redis.GetDatabase().ScriptEvaluateAsync(ClaimScript,
            [LeaseKey(conversationId), ClaimKey(generationId)], [Id(generationId), (long)s_claimLifetime.TotalMilliseconds]) == 1;

    public Task ReleaseAsync(Guid conversationId, Guid generationId) =>
        redis.GetDatabase().ScriptEvaluateAsync(ReleaseScript, [LeaseKey(conversationId)], [Id(generationId)]);

    public Task RequestCancelAsync(Guid generationId) =>
        redis.GetSubscriber().PublishAsync(s_cancelChannel, Id(generationId));

    public Task SubscribeToCancelRequestsAsync(Action<Guid> onCancelRequested) =>
        redis.GetSubscriber().SubscribeAsync(s_cancelChannel, (_, value) =>
        {
            if (Guid.TryParseExact((string?)value, "N", out var generationId))
            {
                onCancelRequested(generationId);
            }
        });

    private static (Guid? GenerationId, long? SequenceBefore, long? LastReserved) Parse(string value)
    {
        var parts = value.Split(':');
        return (Guid.TryParseExact(parts[0], "N", out var id) ? id : null, Number(1), Number(2));

        long? Number(int at) => parts.Length > at && long.TryParse(parts[at], CultureInfo.InvariantCulture, out var number) ? number : null;
    }

    private static string Value(LeasedGeneration generation) =>
        string.Create(CultureInfo.InvariantCulture, $"{generation.GenerationId:N}:{generation.SequenceBefore}:{generation.LastReserved}");

    private static string Id(Guid generationId) => generationId.ToString("N");

    public static RedisKey LeaseKey(Guid conversationId) => $"chat:generation:{conversationId:N}";

    public static RedisKey ClaimKey(Guid generationId) => $"chat:abandoned:{generationId:N}";
}
