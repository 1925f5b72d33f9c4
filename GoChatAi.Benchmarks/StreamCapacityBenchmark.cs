using System.Diagnostics;
using System.Globalization;

namespace GoChatAi.Benchmarks;

/// <summary>
/// One level of streams all started at once: how many ended whole, how soon they began, and at what cost; the first
/// burst at this level, or the same burst again (<paramref name="Again"/>), once the service has grown its pools,
/// heap and compiled code for it.
/// </summary>
public sealed record StreamLevelResult(
    int Streams,
    bool Again,
    StreamSummary Model,
    StreamSummary Service,
    double StartsPerSecond,
    long? WorkingSetBefore,
    long? WorkingSetPeak,
    double? CpuSecondsPerThousand,
    CoresBusy? CoresBusyToLastStart)
{
    /// <summary>The working set added while the streams were open, per stream.</summary>
    public long? BytesPerStream => WorkingSetBefore is { } before && WorkingSetPeak is { } peak ? Math.Max(0, peak - before) / Streams : null;
}

public sealed record StreamCapacityResult(IReadOnlyList<StreamLevelResult> Levels, int Tokens, TimeSpan Pace, string Path, string MetricsSource);

/// <summary>
/// How many streams the ChatService holds at once while the stand-in streams at a fixed, slow pace (50 tokens,
/// 100 ms apart: five seconds an answer), level by level: the stand-in asked directly by as many streams at once
/// (what bounds the figures on one machine), then the ChatService; how fast it started them; the working set it
/// took per open stream; and its CPU time per 1,000 answers.
/// </summary>
public static class StreamCapacityBenchmark
{
    public const int Tokens = 50;
    public static readonly TimeSpan Pace = TimeSpan.FromMilliseconds(100);

    // Each answer takes Tokens x Pace; a stream still open a minute and a half after that has failed.
    private static readonly TimeSpan _timeout = Tokens * Pace + TimeSpan.FromSeconds(90);

    // Time for the last level's answers to be stored and their memory to settle before the next baseline.
    private static readonly TimeSpan _settle = TimeSpan.FromSeconds(5);

    public static async Task<StreamCapacityResult> RunAsync(ChatBenchmarkContext chat)
    {
        var message = string.Create(CultureInfo.InvariantCulture,
            $"How many answers can stream at once? [[devmodel: tokens={Tokens}; slow={Pace.TotalMilliseconds:0}ms]]");
        var levels = new List<StreamLevelResult>();
        foreach (var streams in chat.Settings.StreamLevels)
        {
            Console.Error.WriteLine($"capacity: {streams} streams at once, the stand-in model directly");
            var model = await RunAllAtOnceAsync(streams, (i, ct) =>
                chat.DevModel.StreamAsync(chat.Model, message, ChatBenchmarkContext.MaxTokens, Tokens, ct));
            await Task.Delay(_settle);

            // Twice: a service's first burst at a level pays for growing into it (its thread pool, connection pools,
            // heap and optimized code); the second shows what it sustains.
            foreach (var again in (bool[])[false, true])
            {
                Console.Error.WriteLine($"capacity: {streams} streams at once, the ChatService {chat.Nearest.Name}{(again ? ", again" : "")}");
                levels.Add(await RunLevelAsync(chat, streams, again, message, model));
                await Task.Delay(_settle);
            }
        }

        return new StreamCapacityResult(levels, Tokens, Pace, chat.Nearest.Name, chat.Metrics.Source);
    }

    private static async Task<StreamLevelResult> RunLevelAsync(ChatBenchmarkContext chat, int streams, bool again, string message, StreamSummary model)
    {
        // The conversations are made first, so that the level starts every stream at the same moment.
        var conversations = new string[streams];
        await Parallel.ForAsync(0, streams, new ParallelOptions { MaxDegreeOfParallelism = chat.Settings.Concurrency },
            async (i, ct) => conversations[i] = await chat.CreateConversationAsync(chat.UserFor(i), "Benchmark: capacity", ct));

        var (before, cpuBefore) = await chat.Metrics.SampleAsync(CancellationToken.None);
        using var sampling = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        var timeline = LoadTimeline.RecordAsync(chat.Metrics, clock, sampling.Token);
        var service = await RunAllAtOnceAsync(streams, (i, ct) =>
            chat.Nearest.StreamChatAsync(chat.UserFor(i), conversations[i], message, Tokens, _timeout, ct));
        await sampling.CancelAsync();
        var (_, cpuAfter) = await chat.Metrics.SampleAsync(CancellationToken.None);
        var load = await timeline;

        // Every stream has started once it has its first token: the rate at which the service got them going.
        var startedBy = service.Streams > 0 ? service.FirstTokenMax : clock.Elapsed;
        return new StreamLevelResult(
            streams,
            again,
            model,
            service,
            service.Streams / startedBy.TotalSeconds,
            before,
            load.PeakWorkingSet,
            StreamLatencyBenchmark.PerThousand(cpuAfter - cpuBefore, streams),
            load.CoresBusyUntil(startedBy));
    }

    /// <summary>Starts every stream at the same moment and waits for all of them.</summary>
    private static async Task<StreamSummary> RunAllAtOnceAsync(int streams, Func<int, CancellationToken, Task<StreamTiming>> stream)
    {
        using var deadline = new CancellationTokenSource(_timeout + TimeSpan.FromMinutes(1));
        return await StreamSummary.OfAsync(Enumerable.Range(0, streams).Select(i => stream(i, deadline.Token)));
    }
}
