using System.Globalization;

namespace GoChatAi.Benchmarks;

/// <summary>One level of concurrent streams: how many ended whole, how soon they began, and the ChatService's memory.</summary>
public sealed record StreamLevelResult(
    int Streams,
    int Completed,
    int Errors,
    TimeSpan FirstTokenP50,
    TimeSpan FirstTokenP99,
    TimeSpan LastTokenP99,
    long? WorkingSetBefore,
    long? WorkingSetPeak,
    string? FirstError)
{
    /// <summary>The working set added while the streams were open, per stream.</summary>
    public long? BytesPerStream => WorkingSetBefore is { } before && WorkingSetPeak is { } peak ? Math.Max(0, peak - before) / Streams : null;
}

public sealed record StreamCapacityResult(IReadOnlyList<StreamLevelResult> Levels, int Tokens, TimeSpan Pace, string MemorySource);

/// <summary>
/// How many streams the ChatService holds at once while the stand-in streams at a fixed, slow pace (50 tokens,
/// 100 ms apart: five seconds an answer), level by level, and the working set it takes per open stream.
/// </summary>
public static class StreamCapacityBenchmark
{
    public const int Tokens = 50;
    public static readonly TimeSpan Pace = TimeSpan.FromMilliseconds(100);

    // Each answer takes Tokens x Pace; a stream still open a minute after that has failed.
    private static readonly TimeSpan _timeout = Tokens * Pace + TimeSpan.FromSeconds(60);

    // Time for the last level's answers to be stored and their memory to settle before the next baseline.
    private static readonly TimeSpan _settle = TimeSpan.FromSeconds(3);

    public static async Task<StreamCapacityResult> RunAsync(ChatBenchmarkContext chat)
    {
        var message = string.Create(CultureInfo.InvariantCulture,
            $"How many answers can stream at once? [[devmodel: tokens={Tokens}; slow={Pace.TotalMilliseconds:0}ms]]");
        var levels = new List<StreamLevelResult>();
        foreach (var streams in chat.Settings.StreamLevels)
        {
            Console.Error.WriteLine($"capacity: {streams} streams at once");
            levels.Add(await RunLevelAsync(chat, streams, message));
            await Task.Delay(_settle);
        }

        return new StreamCapacityResult(levels, Tokens, Pace, chat.Memory.Source);
    }

    private static async Task<StreamLevelResult> RunLevelAsync(ChatBenchmarkContext chat, int streams, string message)
    {
        using var deadline = new CancellationTokenSource(_timeout + TimeSpan.FromMinutes(2));
        // The conversations are made first, so that the level starts every stream at the same moment.
        var conversations = new string[streams];
        await Parallel.ForAsync(0, streams, new ParallelOptions { MaxDegreeOfParallelism = chat.Settings.Concurrency, CancellationToken = deadline.Token },
            async (i, ct) => conversations[i] = await chat.CreateConversationAsync(chat.UserFor(i), "Benchmark: capacity", ct));

        var before = await chat.Memory.ReadAsync(deadline.Token);
        using var sampling = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
        var peak = chat.Memory.PeakAsync(sampling.Token);

        var outcomes = await Task.WhenAll(conversations.Select(async (conversation, i) =>
        {
            try
            {
                return (Timing: (StreamTiming?)await chat.StreamChatAsync(chat.UserFor(i), conversation, message, Tokens, _timeout, deadline.Token), Error: (string?)null);
            }
            catch (Exception exception)
            {
                return (Timing: null, Error: ErrorText.Describe(exception));
            }
        }));
        await sampling.CancelAsync();

        var timings = outcomes.Where(o => o.Timing is not null).Select(o => o.Timing!.Value).ToList();
        return new StreamLevelResult(
            streams,
            timings.Count,
            streams - timings.Count,
            Percentiles.Of(timings.Select(t => t.FirstToken), 0.50),
            Percentiles.Of(timings.Select(t => t.FirstToken), 0.99),
            Percentiles.Of(timings.Select(t => t.LastToken), 0.99),
            before,
            await peak,
            outcomes.Select(o => o.Error).FirstOrDefault(e => e is not null));
    }
}
