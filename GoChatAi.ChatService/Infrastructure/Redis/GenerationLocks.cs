using System.Globalization;
using StackExchange.Redis;

namespace GoChatAi.ChatService.Infrastructure.Redis;

/// <summary>
/// Which generation runs in a conversation, shared by every replica: at most one per conversation, and where its
/// events start in the feed (so that a reader that joins late replays it from its start), and the cancel signal
/// that reaches whichever replica runs it.
/// </summary>
/// <remarks>
/// <c>chat:generation:{conversation}</c> = <c>{generation}:{feed sequence before its first event}</c>, set only if
/// absent, with a lifetime that frees it should its replica die. Cancel requests go out on the
/// <c>chat:generation-cancel</c> channel with the generation's id.
/// </remarks>
public sealed class GenerationLocks(IConnectionMultiplexer redis)
{
    /// <summary>A replica that died mid-generation frees its conversation after this.</summary>
    public static readonly TimeSpan LockLifetime = TimeSpan.FromMinutes(30);

    public static readonly RedisChannel CancelChannel = RedisChannel.Literal("chat:generation-cancel");

    private const string ReleaseScript = """
        local value = redis.call('GET', KEYS[1])
        if value and string.sub(value, 1, string.len(ARGV[1])) == ARGV[1] then
          return redis.call('DEL', KEYS[1])
        end
        return 0
        """;

    public Task<bool> TryAcquireAsync(Guid conversationId, Guid generationId) =>
        redis.GetDatabase().StringSetAsync(Key(conversationId), generationId.ToString("N"), LockLifetime, When.NotExists);

    /// <summary>Records where the generation's events start, once it has its first one.</summary>
    public Task SetReplayStartAsync(Guid conversationId, Guid generationId, long sequenceBefore) =>
        redis.GetDatabase().StringSetAsync(Key(conversationId),
            string.Create(CultureInfo.InvariantCulture, $"{generationId:N}:{sequenceBefore}"), LockLifetime, When.Exists);

    /// <summary>The generation running in a conversation, and the feed sequence before its first event (when known).</summary>
    public async Task<(Guid GenerationId, long? SequenceBefore)?> GetRunningAsync(Guid conversationId)
    {
        var value = (string?)await redis.GetDatabase().StringGetAsync(Key(conversationId));
        if (value is null)
        {
            return null;
        }

        var parts = value.Split(':');
        if (!Guid.TryParseExact(parts[0], "N", out var generationId))
        {
            return null;
        }

        return (generationId, parts.Length > 1 && long.TryParse(parts[1], CultureInfo.InvariantCulture, out var from) ? from : null);
    }

    public Task ReleaseAsync(Guid conversationId, Guid generationId) =>
        redis.GetDatabase().ScriptEvaluateAsync(ReleaseScript, [Key(conversationId)], [generationId.ToString("N")]);

    public Task RequestCancelAsync(Guid generationId) =>
        redis.GetSubscriber().PublishAsync(CancelChannel, generationId.ToString("N"));

    private static RedisKey Key(Guid conversationId) => $"chat:generation:{conversationId:N}";
}
