using System.Diagnostics;
using System.Globalization;

namespace GoChatAi.Benchmarks;

/// <summary>
/// Long answers held open together: how many of them ended whole, how many were open at the same moment, the working
/// set each open stream took and the CPU per answer. <see cref="Starters"/> callers start them, each starting its
/// next stream as soon as the last one has begun, as people arriving one after another would.
/// </summary>
public sealed record StreamHoldResult(
    int Streams,
    int Starters,
    int Tokens,
    TimeSpan Pace,
    string Path,
    StreamSummary Service,
    int PeakOpen,
    double StartsPerSecond,
    long? WorkingSetBefore,
    long? WorkingSetPeak,
    double? CpuSecondsPerThousand,
    string MetricsSource)
{
    /// <summary>The working set added at the peak, per stream open then.</summary>
    public long? BytesPerStream => WorkingSetBefore is { } before && WorkingSetPeak is { } peak && PeakOpen > 0
        ? Math.Max(0, peak - before) / PeakOpen
        : null;
}

/// <summary>
/// The streams the ChatService holds open at once (<c>--held-streams</c>): answers of 90 tokens one second apart, long
/// enough that every stream is still open when the last one starts. Where the capacity figures start every stream at
/// the same moment (and so measure starts), these let a fixed number of callers start them as fast as the service
/// takes them, so that none waits longer for the database than a request may, and measure what holding them costs.
/// </summary>
public static class StreamHoldBenchmark
{
    public const int Tokens = 90;
    public const int Starters = 64;
    public static readonly TimeSpan Pace = TimeSpan.FromSeconds(1);

    // The answer's own length, the time to start the rest, and a minute more.
    private static readonly TimeSpan _timeout = Tokens * Pace + TimeSpan.FromMinutes(3);

    public static async Task<StreamHoldResult> RunAsync(ChatBenchmarkContext chat)
    {
        var streams = chat.Settings.HeldStreams;
        var message = string.Create(CultureInfo.InvariantCulture,
            $"Hold this answer open. [[devmodel: tokens={Tokens}; slow={Pace.TotalMilliseconds:0}ms]]");
        Console.Error.WriteLine($"held open: {streams} conversations");
        var conversations = new string[streams];
        await Parallel.ForAsync(0, streams, new ParallelOptions { MaxDegreeOfParallelism = chat.Settings.Concurrency },
            async (i, ct) => conversations[i] = await chat.CreateConversationAsync(chat.UserFor(i), "Benchmark: held open", ct));

        Console.Error.WriteLine($"held open: {streams} streams of {(Tokens * Pace).TotalSeconds:0} s, started by {Starters} callers, the ChatService {chat.Nearest.Name}");
        var (before, cpuBefore) = await chat.Metrics.SampleAsync(CancellationToken.None);
        using var sampling = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        var timeline = LoadTimeline.RecordAsync(chat.Metrics, clock, sampling.Token);
        using var deadline = new CancellationTokenSource(_timeout + TimeSpan.FromMinutes(1));

        var open = 0;
        var peakOpen = 0;
        var next = -1;
        var running = new Task<StreamTiming>[streams];
        await Task.WhenAll(Enumerable.Range(0, Starters).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < streams)
            {
                var begun = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                running[i] = chat.Nearest.StreamChatAsync(chat.UserFor(i), conversations[i], message, Tokens, _timeout, deadline.Token,
                    accepted: () =>
                    {
                        var now = Interlocked.Increment(ref open);
                        int seen;
                        while (now > (seen = Volatile.Read(ref peakOpen)) && Interlocked.CompareExchange(ref peakOpen, now, seen) != seen)
                        {
                        }

                        begun.TrySetResult();
                    },
                    ended: () => Interlocked.Decrement(ref open));

                // The next stream once this one has begun, or has failed before it could.
                await Task.WhenAny(begun.Task, running[i]);
            }
        }));
        var allStartedAt = clock.Elapsed;

        var service = await StreamSummary.OfAsync(running);
        await sampling.CancelAsync();
        var (_, cpuAfter) = await chat.Metrics.SampleAsync(CancellationToken.None);
        var load = await timeline;

        return new StreamHoldResult(streams, Starters, Tokens, Pace, chat.Nearest.Name, service, peakOpen,
            streams / allStartedAt.TotalSeconds, before, load.PeakWorkingSet,
            StreamLatencyBenchmark.PerThousand(cpuAfter - cpuBefore, streams), chat.Metrics.Source);
    }
}
