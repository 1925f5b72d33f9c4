using System.Globalization;
using GoChatAi.ChatService.Application;
using GoChatAi.ServiceDefaults.Errors;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace GoChatAi.ChatService.Infrastructure.Redis;

/// <summary>
/// Per-user limits in Redis, so that every replica counts together: requests per minute (a fixed one-minute
/// window, <c>chat:rate:{user}:{minute}</c>) and tokens per UTC day (<c>chat:tokens:{user}:{yyyyMMdd}</c>, added
/// when an answer's usage is known; the usage ledger in PostgreSQL is the record, this is the fast count).
/// Past a limit the caller gets RESOURCE_EXHAUSTED with the time until the window resets.
/// </summary>
public sealed partial class UsageLimiter(
    IConnectionMultiplexer redis,
    IOptions<ChatOptions> options,
    ChatMetrics metrics,
    TimeProvider timeProvider,
    ILogger<UsageLimiter> logger) : IUsageLimiter
{
    // KEYS[1] this minute's request count, KEYS[2] today's token count. Counts the request (the window expires a
    // little after its minute) and returns the count with today's tokens: one round trip.
    private const string CountScript = """
        local count = redis.call('INCR', KEYS[1])
        if count == 1 then
          redis.call('PEXPIRE', KEYS[1], 90000)
        end
        local tokens = 0
        if KEYS[2] then
          tokens = tonumber(redis.call('GET', KEYS[2]) or '0')
        end
        return { count, tokens }
        """;

    public Task CountRequestAsync(Guid userId) => AdmitAsync(userId, checkTokens: false);

    public Task<UsageAllowance?> AdmitAnswerAsync(Guid userId) => AdmitAsync(userId, checkTokens: true);

    private async Task<UsageAllowance?> AdmitAsync(Guid userId, bool checkTokens)
    {
        var now = timeProvider.GetUtcNow();
        var minute = now.ToUnixTimeSeconds() / 60;
        RedisKey rate = string.Create(CultureInfo.InvariantCulture, $"chat:rate:{userId:N}:{minute}");
        long count, tokens;
        try
        {
            var result = (long[])(await redis.GetDatabase().ScriptEvaluateAsync(CountScript,
                checkTokens ? [rate, TokensKey(userId, now)] : [rate]))!;
            (count, tokens) = (result[0], result[1]);
        }
        catch (Exception exception) when (DependencyFailure.Of(exception) is not null)
        {
            // Availability over metering: a cache outage must not stop every user's chat.
            LogLimiterUnavailable(logger, exception);
            return null;
        }

        var settings = options.Value;
        var requestsReset = Ceiling(DateTimeOffset.FromUnixTimeSeconds((minute + 1) * 60) - now);
        var tokensReset = Ceiling(UtcDay.NextMidnight(now) - now);
        if (count > settings.RequestsPerMinute)
        {
            metrics.Throttled(ThrottleLimits.RequestsPerMinute);
            throw new ServiceException(ErrorKind.ResourceExhausted,
                $"Too many requests: at most {settings.RequestsPerMinute} a minute. Try again shortly.", retryAfter: requestsReset)
            {
                Reason = ErrorReasons.RateLimitExceeded,
            };
        }

        if (checkTokens && tokens >= settings.TokensPerDay)
        {
            metrics.Throttled(ThrottleLimits.TokensPerDay);
            throw new ServiceException(ErrorKind.ResourceExhausted,
                $"Today's token quota ({settings.TokensPerDay}) is used up; it resets at 00:00 UTC.", retryAfter: tokensReset)
            {
                Reason = ErrorReasons.InsufficientQuota,
            };
        }

        return new UsageAllowance(settings.RequestsPerMinute, (int)Math.Max(0, settings.RequestsPerMinute - count), requestsReset,
            settings.TokensPerDay, Math.Max(0, settings.TokensPerDay - tokens), tokensReset);
    }

    public async Task<long> TokensUsedTodayAsync(Guid userId)
    {
        try
        {
            var value = await redis.GetDatabase().StringGetAsync(TokensKey(userId, timeProvider.GetUtcNow()));
            return value.TryParse(out long used) ? used : 0;
        }
        catch (Exception exception) when (DependencyFailure.Of(exception) is not null)
        {
            LogLimiterUnavailable(logger, exception);
            return 0;
        }
    }

    public async Task AddTokensAsync(Guid userId, long tokens)
    {
        if (tokens <= 0)
        {
            return;
        }

        var key = TokensKey(userId, timeProvider.GetUtcNow());
        var database = redis.GetDatabase();
        var added = database.StringIncrementAsync(key, tokens);
        var expiry = database.KeyExpireAsync(key, TimeSpan.FromDays(2));
        await Task.WhenAll(added, expiry);
    }

    /// <summary>Where a user's token count of a UTC day is kept.</summary>
    public static RedisKey TokensKey(Guid userId, DateTimeOffset now) =>
        string.Create(CultureInfo.InvariantCulture, $"chat:tokens:{userId:N}:{now.UtcDateTime:yyyyMMdd}");

    private static TimeSpan Ceiling(TimeSpan wait) => TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling(wait.TotalSeconds)));

    [LoggerMessage(Level = LogLevel.Warning, Message = "The usage limiter cannot reach Redis; letting the request through")]
    private static partial void LogLimiterUnavailable(ILogger logger, Exception exception);
}
