using StackExchange.Redis;

namespace GoChatAi.ServiceDefaults.Requests;

/// <summary>
/// Failures counted in Redis, so that every replica sees them: each counter runs for a window from its first failure,
/// and a caller past a counter's limit waits until the counter's window ends. The throttles of failed passwords and
/// of bad API keys count here.
/// </summary>
/// <remarks>Failures of Redis itself reach the caller, which decides how to live without it.</remarks>
public sealed class FailureCounter(IConnectionMultiplexer redis)
{
    // INCR and set the window's expiry on the first failure, atomically.
    private const string CountFailureScript = """
        local n = redis.call('INCR', KEYS[1])
        if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
        return n
        """;

    /// <summary>Counts one failure in <paramref name="key"/>, whose window starts now when it is the first.</summary>
    public Task RecordAsync(string key, TimeSpan window) =>
        redis.GetDatabase().ScriptEvaluateAsync(CountFailureScript, [key], [(long)window.TotalMilliseconds]);

    /// <summary>How long the caller must wait: the longest remaining window of the counters at their limit; null when none is.</summary>
    public async Task<TimeSpan?> RetryAfterAsync(IReadOnlyList<(string Key, int Max)> counters)
    {
        var database = redis.GetDatabase();
        var counts = await database.StringGetAsync([.. counters.Select(c => (RedisKey)c.Key)]);
        TimeSpan? wait = null;
        for (var i = 0; i < counters.Count; i++)
        {
            if ((int)counts[i] >= counters[i].Max && await database.KeyTimeToLiveAsync(counters[i].Key) is { } left && (wait is null || left > wait))
            {
                wait = left;
            }
        }

        return wait;
    }

    public Task ClearAsync(string key) => redis.GetDatabase().KeyDeleteAsync(key);
}
