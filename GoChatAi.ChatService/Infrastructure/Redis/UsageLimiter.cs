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
    ILogger<UsageLimiter> logger)
{
    /// <summary>Counts one request and refuses it when the user is past this minute's limit.</summary>
    public async Task CountRequestAsync(Guid userId)
    {
        var now = timeProvider.GetUtcNow();
        var minute = now.ToUnixTimeSeconds() / 60;
        var key = (RedisKey)string.Create(CultureInfo.InvariantCulture, $"chat:rate:{userId:N}:{minute}");
        long count;
        try
        {
            var database = redis.GetDatabase();
            count = await database.StringIncrementAsync(key);
            if (count == 1)
            {
                await database.KeyExpireAsync(key, TimeSpan.FromSeconds(90));
            }
        }
        catch (Exception exception) when (DependencyFailure.Of(exception) is not null)
        {
            // Availability over metering: a cache outage must not stop every user's chat.
            LogLimiterUnavailable(logger, exception);
            return;
        }

        if (count > options.Value.RequestsPerMinute)
        {
            metrics.Throttled(ThrottleLimits.RequestsPerMinute);
            var resetsAt = DateTimeOffset.FromUnixTimeSeconds((minute + 1) * 60);
            throw ServiceException.ResourceExhausted(
                $"Too many requests: at most {options.Value.RequestsPerMinute} a minute. Try again shortly.",
                Ceiling(resetsAt - now));
        }
    }

    /// <summary>Refuses a new answer when the user's tokens for today are used up.</summary>
    public async Task EnsureTokensLeftAsync(Guid userId)
    {
        var used = await TokensUsedTodayAsync(userId);
        if (used >= options.Value.TokensPerDay)
        {
            metrics.Throttled(ThrottleLimits.TokensPerDay);
            var now = timeProvider.GetUtcNow();
            throw ServiceException.ResourceExhausted(
                $"Today's token quota ({options.Value.TokensPerDay}) is used up; it resets at 00:00 UTC.",
                Ceiling(NextUtcMidnight(now) - now));
        }
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
        await database.StringIncrementAsync(key, tokens);
        await database.KeyExpireAsync(key, TimeSpan.FromDays(2));
    }

    public static DateTimeOffset NextUtcMidnight(DateTimeOffset now) =>
        new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero).AddDays(1);

    /// <summary>Where a user's token count of a UTC day is kept.</summary>
    public static RedisKey TokensKey(Guid userId, DateTimeOffset now) =>
        string.Create(CultureInfo.InvariantCulture, $"chat:tokens:{userId:N}:{now.UtcDateTime:yyyyMMdd}");

    private static TimeSpan Ceiling(TimeSpan wait) => TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling(wait.TotalSeconds)));

    [LoggerMessage(Level = LogLevel.Warning, Message = "The usage limiter cannot reach Redis; letting the request through")]
    private static partial void LogLimiterUnavailable(ILogger logger, Exception exception);
}
