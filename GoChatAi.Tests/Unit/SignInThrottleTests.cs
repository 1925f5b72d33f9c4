using GoChatAi.AuthService.Application;
using GoChatAi.AuthService.Infrastructure;
using GoChatAi.ServiceDefaults.Requests;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace GoChatAi.Tests.Unit;

/// <summary>
/// The documented policy when Redis is down: counting goes on in memory, so an attacker is still limited, and the
/// throttle relaxes with time, so nobody stays locked out.
/// </summary>
public sealed class SignInThrottleTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
    private ConnectionMultiplexer _unreachable = null!;

    public async Task InitializeAsync() =>
        // Nothing listens on port 9 (discard) here: every command fails as it would during an outage.
        _unreachable = await ConnectionMultiplexer.ConnectAsync("127.0.0.1:9,abortConnect=false,connectTimeout=200,syncTimeout=200,asyncTimeout=200");

    public async Task DisposeAsync() => await _unreachable.DisposeAsync();

    [Fact]
    public async Task Without_redis_failures_are_still_counted_and_the_throttle_relaxes_with_time()
    {
        var throttle = new SignInThrottle(new FailureCounter(_unreachable), Options.Create(new AuthOptions
        {
            Throttle = new SignInThrottleOptions { MaxFailuresPerAccount = 3, MaxFailuresPerClient = 100, Window = TimeSpan.FromMinutes(15) },
        }), _time, NullLogger<SignInThrottle>.Instance);

        for (var i = 0; i < 3; i++)
        {
            Assert.Null(await throttle.RetryAfterAsync("ann@example.com", "203.0.113.7"));
            await throttle.RecordFailureAsync("ann@example.com", "203.0.113.7");
        }

        var wait = await throttle.RetryAfterAsync("ann@example.com", "203.0.113.7");
        Assert.Equal(TimeSpan.FromMinutes(15), wait);
        Assert.Null(await throttle.RetryAfterAsync("bob@example.com", "198.51.100.1"));

        _time.Advance(TimeSpan.FromMinutes(15));
        Assert.Null(await throttle.RetryAfterAsync("ann@example.com", "203.0.113.7"));
    }

    [Fact]
    public async Task A_client_whose_address_is_unknown_is_counted_per_account_only()
    {
        var throttle = new SignInThrottle(new FailureCounter(_unreachable), Options.Create(new AuthOptions
        {
            Throttle = new SignInThrottleOptions { MaxFailuresPerAccount = 100, MaxFailuresPerClient = 3, Window = TimeSpan.FromMinutes(15) },
        }), _time, NullLogger<SignInThrottle>.Instance);

        // Strangers behind the proxy, and one known address, fail on as many accounts.
        for (var i = 0; i < 3; i++)
        {
            await throttle.RecordFailureAsync($"stranger-{i}@example.com", null);
            await throttle.RecordFailureAsync($"guess-{i}@example.com", "203.0.113.7");
        }

        Assert.Null(await throttle.RetryAfterAsync("ann@example.com", null));
        Assert.NotNull(await throttle.RetryAfterAsync("ann@example.com", "203.0.113.7"));
    }
}
