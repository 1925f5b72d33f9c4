namespace GoChatAi.Benchmarks;

/// <summary>Nearest-rank percentiles of sorted samples.</summary>
public static class Percentiles
{
    public static TimeSpan Of(IReadOnlyList<TimeSpan> sorted, double percentile) =>
        sorted.Count == 0 ? TimeSpan.Zero : sorted[Math.Clamp((int)Math.Ceiling(percentile * sorted.Count) - 1, 0, sorted.Count - 1)];

    public static TimeSpan Of(IEnumerable<TimeSpan> samples, double percentile) => Of(samples.Order().ToList(), percentile);
}
