using GoChatAi.ServiceDefaults.Errors;

namespace GoChatAi.ServiceDefaults.Operations;

/// <summary>What a background job's failure should log, given the run of failures it belongs to.</summary>
public enum FailureLog
{
    /// <summary>Nothing more than a debug line: the run is short, or was already reported.</summary>
    Quiet,

    /// <summary>A dependency has been failing for a while: warn once.</summary>
    DependencyFailing,

    /// <summary>Not a dependency's failure: an error, once per run.</summary>
    Unexpected,
}

/// <summary>
/// The run of failures of a job that repeats every few seconds, so that an outage is logged once (after it has
/// lasted <paramref name="warnAfter"/>; a blip is no warning), an unexpected failure once per run, and the recovery
/// once, instead of a line per attempt.
/// </summary>
public sealed class FailureStreak(TimeProvider timeProvider, TimeSpan warnAfter)
{
    private DateTimeOffset? _since;
    private bool _reported;

    /// <summary>Records a failure and says what to log of it.</summary>
    public FailureLog Failed(Exception exception)
    {
        var now = timeProvider.GetUtcNow();
        _since ??= now;
        if (_reported)
        {
            return FailureLog.Quiet;
        }

        if (DependencyFailure.Of(exception) is null)
        {
            _reported = true;
            return FailureLog.Unexpected;
        }

        if (now - _since >= warnAfter)
        {
            _reported = true;
            return FailureLog.DependencyFailing;
        }

        return FailureLog.Quiet;
    }

    /// <summary>
    /// Records a failure and calls the job's own log for what it calls for: <paramref name="unexpected"/> (an error),
    /// or <paramref name="dependencyFailing"/> with the failing dependency's name (a warning).
    /// </summary>
    public void Failed(Exception exception, Action<Exception> unexpected, Action<Exception, string> dependencyFailing)
    {
        switch (Failed(exception))
        {
            case FailureLog.Unexpected:
                unexpected(exception);
                break;
            case FailureLog.DependencyFailing:
                dependencyFailing(exception, DependencyFailure.Of(exception)!);
                break;
        }
    }

    /// <summary>Records a success, and calls <paramref name="recovered"/> when it ends a run that was reported.</summary>
    public void Succeeded(Action recovered)
    {
        if (Succeeded())
        {
            recovered();
        }
    }

    /// <summary>Records a success; true when it ends a run that was reported (log the recovery).</summary>
    public bool Succeeded()
    {
        var recovered = _reported;
        (_since, _reported) = (null, false);
        return recovered;
    }
}
