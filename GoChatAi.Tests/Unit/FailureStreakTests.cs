using GoChatAi.ServiceDefaults.Errors;
using GoChatAi.ServiceDefaults.Operations;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace GoChatAi.Tests.Unit;

/// <summary>A job repeated every few seconds logs an outage once it lasts, an unexpected failure once, and its recovery once.</summary>
public sealed class FailureStreakTests
{
    private static readonly Exception s_outage = new RedisConnectionException(ConnectionFailureType.UnableToConnect, "down");

    [Fact]
    public void A_short_outage_is_quiet_and_a_long_one_is_reported_once_then_its_recovery()
    {
        var time = new FakeTimeProvider();
        var streak = new FailureStreak(time, TimeSpan.FromSeconds(10));

        Assert.Equal(FailureLog.Quiet, streak.Failed(s_outage));
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(FailureLog.Quiet, streak.Failed(s_outage));
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(FailureLog.DependencyFailing, streak.Failed(s_outage));
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(FailureLog.Quiet, streak.Failed(s_outage));
        Assert.True(streak.Succeeded());
        Assert.False(streak.Succeeded());
    }

    [Fact]
    public void A_blip_that_ends_before_it_is_reported_has_no_recovery_either()
    {
        var streak = new FailureStreak(new FakeTimeProvider(), TimeSpan.FromSeconds(10));

        Assert.Equal(FailureLog.Quiet, streak.Failed(s_outage));
        Assert.False(streak.Succeeded());
    }

    [Fact]
    public void An_unexpected_failure_is_reported_at_once_and_once_per_run()
    {
        var streak = new FailureStreak(new FakeTimeProvider(), TimeSpan.FromSeconds(10));

        Assert.Equal(FailureLog.Unexpected, streak.Failed(new InvalidOperationException("a bug")));
        Assert.Equal(FailureLog.Quiet, streak.Failed(new InvalidOperationException("a bug")));
        Assert.True(streak.Succeeded());
        Assert.Equal(FailureLog.Unexpected, streak.Failed(new InvalidOperationException("again")));
        Assert.Null(DependencyFailure.Of(new InvalidOperationException("a bug")));
    }

    [Fact]
    public void The_job_is_called_back_with_what_to_log_and_the_dependency_that_fails()
    {
        var time = new FakeTimeProvider();
        var streak = new FailureStreak(time, TimeSpan.FromSeconds(10));
        var logged = new List<string>();

        streak.Failed(s_outage, e => logged.Add("unexpected"), (e, dependency) => logged.Add($"failing {dependency}"));
        time.Advance(TimeSpan.FromSeconds(10));
        streak.Failed(s_outage, e => logged.Add("unexpected"), (e, dependency) => logged.Add($"failing {dependency}"));
        streak.Succeeded(() => logged.Add("recovered"));
        streak.Succeeded(() => logged.Add("recovered"));

        Assert.Equal([$"failing {DependencyFailure.Of(s_outage)}", "recovered"], logged);
    }
}
