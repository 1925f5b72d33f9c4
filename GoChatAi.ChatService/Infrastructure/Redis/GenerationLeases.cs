using System.Globalization;
using Microsoft.Extensions.Options;
using GoChatAi.ChatService.Application;
using StackExchange.Redis;

namespace GoChatAi.ChatService.Infrastructure.Redis;

/// <summary>The generation leases in Redis (see <see cref="IGenerationLeases"/>).</summary>
/// <remarks>
/// <c>chat:generation:{conversation}</c> = <c>{generation}:{feed sequence before its first event}</c>, set only if
/// absent, expiring after <see cref="ChatOptions.GenerationLease"/> unless renewed. <c>chat:abandoned:{generation}</c>
/// marks a generation another replica is finishing. Cancel requests go out on <c>chat:generation-cancel</c>.
/// </remarks>
public sealed class GenerationLeases(IConnectionMultiplexer redis, IOptions<ChatOptions> options) : IGenerationLeases
{
    private static readonly RedisChannel s_cancelChannel = RedisChannel.Literal("chat:generation-cancel");

    /// <summary>How long a claim on an abandoned generation keeps others off it.</summary>
    private static readonly TimeSpan s_claimLifetime = TimeSpan.FromMinutes(1);

    // KEYS[1] the lease, KEYS[2] the feed's counter. ARGV[1] the generation, ARGV[2] the lease (ms).
    private const string AcquireScript = """
        local value = ARGV[1] .. ':' .. (redis.call('GET', KEYS[2]) or '0')
        if redis.call('SET', KEYS[1], value, 'NX', 'PX', ARGV[2]) then
          return value
        end
        return false
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
            [Key(conversationId), ConversationFeed.SequenceKey(conversationId)], [Id(generationId), LeaseMilliseconds]);
        return value is null ? null : new LeasedGeneration(conversationId, generationId, Parse(value).SequenceBefore ?? 0);
    }

    public async Task<bool[]> RenewAsync(IReadOnlyList<LeasedGeneration> generations)
    {
        var keys = new RedisKey[generations.Count * 2];
        var values = new RedisValue[generations.Count + 1];
        values[0] = LeaseMilliseconds;
        for (var i = 0; i < generations.Count; i++)
        {
            var generation = generations[i];
            keys[i] = Key(generation.ConversationId);
            keys[generations.Count + i] = ClaimKey(generation.GenerationId);
            values[i + 1] = Value(generation);
        }

        var held = (long[])(await redis.GetDatabase().ScriptEvaluateAsync(RenewScript, keys, values))!;
        return [.. held.Select(h => h == 1)];
    }

    public async Task<RunningGeneration?> GetRunningAsync(Guid conversationId)
    {
        var value = (string?)await redis.GetDatabase().StringGetAsync(Key(conversationId));
        return value is null ? null : Parse(value) is { GenerationId: { } id } parsed ? new RunningGeneration(id, parsed.SequenceBefore) : null;
    }

    public async Task<bool> TryClaimAbandonedAsync(Guid conversationId, Guid generationId) =>
        (long)await redis.GetDatabase().ScriptEvaluateAsync(ClaimScript,
            [Key(conversationId), ClaimKey(generationId)], [Id(generationId), (long)s_claimLifetime.TotalMilliseconds]) == 1;

    public Task ReleaseAsync(Guid conversationId, Guid generationId) =>
        redis.GetDatabase().ScriptEvaluateAsync(ReleaseScript, [Key(conversationId)], [Id(generationId)]);

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

    private static (Guid? GenerationId, long? SequenceBefore) Parse(string value)
    {
        var parts = value.Split(':');
        return (Guid.TryParseExact(parts[0], "N", out var id) ? id : null,
            parts.Length > 1 && long.TryParse(parts[1], CultureInfo.InvariantCulture, out var before) ? before : null);
    }

    private static string Value(LeasedGeneration generation) =>
        string.Create(CultureInfo.InvariantCulture, $"{generation.GenerationId:N}:{generation.SequenceBefore}");

    private static string Id(Guid generationId) => generationId.ToString("N");

    private static RedisKey Key(Guid conversationId) => $"chat:generation:{conversationId:N}";

    private static RedisKey ClaimKey(Guid generationId) => $"chat:abandoned:{generationId:N}";
}
