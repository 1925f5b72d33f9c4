using System.Diagnostics;

namespace GoChatAi.Benchmarks;

/// <summary>What one scenario achieved.</summary>
public sealed record ScenarioResult(string Name, int Requests, int Errors, TimeSpan Elapsed, TimeSpan P50, TimeSpan P99)
{
    public double PerSecond => Requests / Elapsed.TotalSeconds;
}

/// <summary>Runs one operation from many workers for a fixed time (bounded in count and time) and records its latencies.</summary>
public static class LoadRunner
{
    public static async Task<ScenarioResult> RunAsync(string name, int concurrency, TimeSpan duration, Func<CancellationToken, Task> operation)
    {
        // A short warm-up, so that connection set-up and JIT do not count.
        using (var warmUp = new CancellationTokenSource(TimeSpan.FromSeconds(2)))
        {
            await RunWorkersAsync(concurrency, operation, [], warmUp.Token);
        }

        var latencies = new List<TimeSpan>[concurrency];
        for (var i = 0; i < concurrency; i++)
        {
            latencies[i] = new List<TimeSpan>(4096);
        }

        using var stop = new CancellationTokenSource(duration);
        var clock = Stopwatch.StartNew();
        var errors = await RunWorkersAsync(concurrency, operation, latencies, stop.Token);
        clock.Stop();

        var all = latencies.SelectMany(l => l).Order().ToList();
        return new ScenarioResult(name, all.Count, errors, clock.Elapsed, Percentile(all, 0.50), Percentile(all, 0.99));
    }

    private static async Task<int> RunWorkersAsync(int concurrency, Func<CancellationToken, Task> operation, List<TimeSpan>[] latencies, CancellationToken stop)
    {
        var errors = 0;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(worker => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    await operation(CancellationToken.None);
                    if (latencies.Length > 0)
                    {
                        latencies[worker].Add(Stopwatch.GetElapsedTime(started));
                    }
                }
                catch (Exception)
                {
                    if (!stop.IsCancellationRequested)
                    {
                        Interlocked.Increment(ref errors);
                    }
                }
            }
        })));
        return errors;
    }

    private static TimeSpan Percentile(List<TimeSpan> sorted, double percentile) =>
        sorted.Count == 0 ? TimeSpan.Zero : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(percentile * sorted.Count) - 1)];
}
