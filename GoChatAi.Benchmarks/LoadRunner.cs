using System.Diagnostics;

namespace GoChatAi.Benchmarks;

/// <summary>What one scenario achieved, and the cores each part of the stack kept busy meanwhile (where known).</summary>
public sealed record ScenarioResult(string Name, int Requests, int Errors, TimeSpan Elapsed, TimeSpan P50, TimeSpan P95, TimeSpan P99, string? FirstError = null, CoresBusy? Cores = null)
{
    public double PerSecond => Requests / Elapsed.TotalSeconds;

    /// <summary>The CPU time a request cost the whole machine, or one part of the stack, in milliseconds.</summary>
    public double? CpuMsPerRequest(string? part = null) =>
        Cores is null || Requests == 0 ? null : (part is null ? Cores.Machine : Cores[part]) * Elapsed.TotalMilliseconds / Requests;

    public static ScenarioResult From(string name, IEnumerable<TimeSpan> latencies, int errors, TimeSpan elapsed, string? firstError)
    {
        var sorted = latencies.Order().ToList();
        return new ScenarioResult(name, sorted.Count, errors, elapsed, Percentiles.Of(sorted, 0.50), Percentiles.Of(sorted, 0.95), Percentiles.Of(sorted, 0.99), firstError);
    }
}

/// <summary>What many workers running one operation gave: a sample per success, and the failures.</summary>
public sealed record LoadSamples<T>(IReadOnlyList<T> Samples, int Errors, TimeSpan Elapsed, string? FirstError);

/// <summary>Runs one operation from many workers for a fixed time (bounded in count and time) and records its latencies.</summary>
public static class LoadRunner
{
    private static readonly TimeSpan _warmUp = TimeSpan.FromSeconds(2);

    // An operation still running this long after the end is cancelled, so that one hung call cannot stall the run.
    private static readonly TimeSpan _grace = TimeSpan.FromSeconds(30);

    public static async Task<ScenarioResult> RunAsync(string name, int concurrency, TimeSpan duration, Func<CancellationToken, Task> operation)
    {
        MachineCpu? before = null;
        var run = await CollectAsync(concurrency, duration, async (_, ct) =>
        {
            var started = Stopwatch.GetTimestamp();
            await operation(ct);
            return Stopwatch.GetElapsedTime(started);
        }, () =>
        {
            before = MachineCpu.Read();
            return Task.CompletedTask;
        });
        return ScenarioResult.From(name, run.Samples, run.Errors, run.Elapsed, run.FirstError) with { Cores = CoresBusy.Between(before, MachineCpu.Read()) };
    }

    /// <summary>
    /// Runs the operation (given the worker's index) from <paramref name="concurrency"/> workers for
    /// <paramref name="duration"/>, after a short warm-up, and keeps what each success returned.
    /// </summary>
    /// <param name="measuring">Called between the warm-up and the measured run (to read a counter where the measurement starts).</param>
    public static async Task<LoadSamples<T>> CollectAsync<T>(
        int concurrency, TimeSpan duration, Func<int, CancellationToken, Task<T>> operation, Func<Task>? measuring = null)
    {
        // A short warm-up, so that connection set-up and JIT do not count.
        await RunWorkersAsync(concurrency, _warmUp, operation);
        if (measuring is not null)
        {
            await measuring();
        }

        return await RunWorkersAsync(concurrency, duration, operation);
    }

    private static async Task<LoadSamples<T>> RunWorkersAsync<T>(int concurrency, TimeSpan duration, Func<int, CancellationToken, Task<T>> operation)
    {
        var samples = new List<T>[concurrency];
        var errors = 0;
        string? firstError = null;
        using var stop = new CancellationTokenSource(duration);
        using var abandon = new CancellationTokenSource(duration + _grace);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(worker => Task.Run(async () =>
        {
            samples[worker] = new List<T>(1024);
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    samples[worker].Add(await operation(worker, abandon.Token));
                }
                catch (Exception exception)
                {
                    if (!stop.IsCancellationRequested)
                    {
                        Interlocked.Increment(ref errors);
                        Interlocked.CompareExchange(ref firstError, ErrorText.Describe(exception), null);
                    }
                }
            }
        })));
        clock.Stop();
        return new LoadSamples<T>([.. samples.SelectMany(s => s)], errors, clock.Elapsed, firstError);
    }
}
