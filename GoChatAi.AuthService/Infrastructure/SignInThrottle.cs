using GoChatAi.ServiceDefaults.Errors;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using GoChatAi.AuthService.Application;
using GoChatAi.ServiceDefaults.Requests;
using Microsoft.Extensions.Options;

namespace GoChatAi.AuthService.Infrastructure;

/// <summary>
/// Counts failed password checks (sign-ins, and the current password of a password change) per account and per
/// client address in Redis, so that every replica sees them; past a threshold every attempt (the right password
/// too) is refused until the window ends.
/// </summary>
/// <remarks>
/// <para>
/// A client whose address is unknown (null: the request came from a trusted proxy that did not say for whom) is
/// counted per account only. Such requests share no address of their own, so one bucket for all of them would let
/// a stranger's failures lock everyone else out.
/// </para>
/// <para>
/// When Redis is down (refused connections or timeouts, which StackExchange.Redis reports as a TimeoutException),
/// counting goes on in this process's memory: an attacker is still limited (per replica) and nobody is locked
/// out for an outage.
/// </para>
/// </remarks>
public sealed partial class SignInThrottle(
    FailureCounter failures,
    IOptions<AuthOptions> options,
    TimeProvider timeProvider,
    ILogger<SignInThrottle> logger) : ISignInThrottle
{
    private const int MaxFallbackEntries = 100_000;

    private readonly ConcurrentDictionary<string, (int Count, DateTimeOffset Until)> _fallback = new();

    private SignInThrottleOptions Settings => options.Value.Throttle;

    public async Task<TimeSpan?> RetryAfterAsync(string normalizedEmail, string? clientAddress)
    {
        var buckets = Buckets(normalizedEmail, clientAddress);
        try
        {
            return await failures.RetryAfterAsync(buckets);
        }
        catch (Exception exception) when (DependencyFailure.Of(exception) is not null)
        {
            LogFallback(logger, exception);
            return buckets.Aggregate((TimeSpan?)null, (wait, bucket) => Longest(wait, FallbackWait(bucket.Key, bucket.Max)));
        }
    }

    public async Task RecordFailureAsync(string normalizedEmail, string? clientAddress)
    {
        foreach (var (key, _) in Buckets(normalizedEmail, clientAddress))
        {
            try
            {
                await failures.RecordAsync(key, Settings.Window);
            }
            catch (Exception exception) when (DependencyFailure.Of(exception) is not null)
            {
                LogFallback(logger, exception);
                var now = timeProvider.GetUtcNow();
                ForgetExpired(now);
                _fallback.AddOrUpdate(key, _ => (1, now + Settings.Window),
                    (_, entry) => entry.Until <= now ? (1, now + Settings.Window) : (entry.Count + 1, entry.Until));
            }
        }
    }

    public async Task RecordSuccessAsync(string normalizedEmail)
    {
        var key = AccountKey(normalizedEmail);
        _fallback.TryRemove(key, out _);
        try
        {
            await failures.ClearAsync(key);
        }
        catch (Exception exception) when (DependencyFailure.Of(exception) is not null)
        {
            LogFallback(logger, exception);
        }
    }

    /// <summary>Bounds the fallback's memory: an outage must not let an attacker grow it without end.</summary>
    private void ForgetExpired(DateTimeOffset now)
    {
        if (_fallback.Count < MaxFallbackEntries)
        {
            return;
        }

        foreach (var (key, entry) in _fallback)
        {
            if (entry.Until <= now)
            {
                _fallback.TryRemove(key, out _);
            }
        }

        if (_fallback.Count >= MaxFallbackEntries)
        {
            _fallback.Clear();
        }
    }

    private TimeSpan? FallbackWait(string key, int max)
    {
        var now = timeProvider.GetUtcNow();
        return _fallback.TryGetValue(key, out var entry) && entry.Until > now && entry.Count >= max ? entry.Until - now : null;
    }

    /// <summary>The counters an attempt is checked against and counted in: its account's, and its client's when known.</summary>
    private List<(string Key, int Max)> Buckets(string normalizedEmail, string? clientAddress)
    {
        List<(string Key, int Max)> buckets = [(AccountKey(normalizedEmail), Settings.MaxFailuresPerAccount)];
        if (clientAddress is not null)
        {
            buckets.Add((ClientKey(clientAddress), Settings.MaxFailuresPerClient));
        }

        return buckets;
    }

    private static TimeSpan? Longest(TimeSpan? a, TimeSpan? b) =>
        a is null ? b : b is null ? a : a > b ? a : b;

    // Keys carry a hash, not the address itself: Redis is not where personal data should sit in clear.
    private static string AccountKey(string normalizedEmail) => "auth:throttle:account:" + Hash(normalizedEmail);

    private static string ClientKey(string clientAddress) => "auth:throttle:client:" + Hash(clientAddress);

    private static string Hash(string value) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(value)), 0, 16);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis is unavailable; counting failed sign-ins in memory")]
    private static partial void LogFallback(ILogger logger, Exception exception);
}
