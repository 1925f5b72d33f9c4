using System.Collections.Concurrent;

namespace GoChatAi.DevModel.Faults;

/// <summary>
/// Counts requests per key for "fail N times, then succeed", so that a retry test sees exactly N failures
/// whichever other tests run beside it.
/// </summary>
internal sealed class FailureCounters
{
    // A long test run makes many keys; past this many the oldest counts matter to nobody.
    private const int MaxKeys = 100_000;

    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);

    /// <summary>Counts one more request under <paramref name="key"/>; true while it is among the first <paramref name="times"/>.</summary>
    public bool CountAndCheck(string key, int times)
    {
        if (_counts.Count >= MaxKeys)
            _counts.Clear();
        return _counts.AddOrUpdate(key, 1, static (_, count) => count + 1) <= times;
    }
}
