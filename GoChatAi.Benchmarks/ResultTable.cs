using System.Globalization;
using System.Runtime.InteropServices;

namespace GoChatAi.Benchmarks;

/// <summary>Prints the results as Markdown tables, ready for the README, each as soon as its figures are in.</summary>
public static class ResultTable
{
    public static void PrintMachine(BenchmarkSettings settings)
    {
        Line(string.Create(CultureInfo.InvariantCulture, $"{Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}; " +
            $"{settings.Concurrency} concurrent callers, {settings.Duration.TotalSeconds:0} s per scenario"));
    }

    public static void PrintThroughput(string title, IReadOnlyList<ScenarioResult> results)
    {
        Heading(title);
        Line("| scenario | requests/s | p50 | p99 | errors |");
        Line("|---|---:|---:|---:|---:|");
        foreach (var result in results)
        {
            Line(string.Create(CultureInfo.InvariantCulture, $"| {result.Name} | {result.PerSecond:0.0} | {Ms(result.P50)} | {Ms(result.P99)} | {result.Errors} |"));
        }

        Errors(results.Select(r => (r.Name, r.FirstError)));
    }

    public static void PrintStreamLatency(StreamLatencyResult result)
    {
        Heading(string.Create(CultureInfo.InvariantCulture, $"ChatService: a streamed answer ({result.Tokens} tokens, {result.Pace.TotalMilliseconds:0} ms apart), " +
            $"{result.Concurrency} streams at a time, {result.Duration.TotalSeconds:0} s per path"));
        Line("| path | streams | first token p50 | first token p99 | last token p50 | last token p99 | errors |");
        Line("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var path in new[] { result.Direct, result.Service })
        {
            Line(string.Create(CultureInfo.InvariantCulture, $"| {path.Name} | {path.Streams} | {Ms(path.FirstTokenP50)} | {Ms(path.FirstTokenP99)} | " +
                $"{Ms(path.LastTokenP50)} | {Ms(path.LastTokenP99)} | {path.Errors} |"));
        }

        // A difference of percentiles, not a percentile of differences: the two paths are separate runs.
        Line(string.Create(CultureInfo.InvariantCulture, $"| **added by the ChatService** | | {Added(result.Service.FirstTokenP50, result.Direct.FirstTokenP50)} | " +
            $"{Added(result.Service.FirstTokenP99, result.Direct.FirstTokenP99)} | {Added(result.Service.LastTokenP50, result.Direct.LastTokenP50)} | " +
            $"{Added(result.Service.LastTokenP99, result.Direct.LastTokenP99)} | |"));
        Errors([(result.Direct.Name, result.Direct.FirstError), (result.Service.Name, result.Service.FirstError)]);
    }

    public static void PrintStreamCapacity(StreamCapacityResult result)
    {
        Heading(string.Create(CultureInfo.InvariantCulture, $"ChatService: concurrent streams, all started at once ({result.Tokens} tokens, {result.Pace.TotalMilliseconds:0} ms apart: " +
            $"{(result.Tokens * result.Pace).TotalSeconds:0.#} s an answer)"));
        Line("| streams | completed | errors | first token p50 | first token p99 | last token p99 | working set before → peak | per stream |");
        Line("|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var level in result.Levels)
        {
            Line(string.Create(CultureInfo.InvariantCulture, $"| {level.Streams} | {level.Completed} | {level.Errors} | {Ms(level.FirstTokenP50)} | {Ms(level.FirstTokenP99)} | " +
                $"{Ms(level.LastTokenP99)} | {MiB(level.WorkingSetBefore)} → {MiB(level.WorkingSetPeak)} | {KiB(level.BytesPerStream)} |"));
        }

        Line("");
        Line(string.Create(CultureInfo.InvariantCulture, $"Working set: {result.MemorySource}; per stream = (peak − before) / streams, with the GC free to collect meanwhile."));
        Errors(result.Levels.Select(l => (string.Create(CultureInfo.InvariantCulture, $"{l.Streams} streams"), l.FirstError)));
    }

    public static void PrintHistory(HistoryResult result) =>
        PrintThroughput(string.Create(CultureInfo.InvariantCulture,
            $"ChatService: GetHistory on a conversation of {result.Messages:N0} messages ({HistoryBenchmark.PageSize} a page)"),
            [result.Fill, .. result.Pages]);

    private static void Heading(string title)
    {
        Line("");
        Line("### " + title);
        Line("");
    }

    private static void Errors(IEnumerable<(string Name, string? FirstError)> results)
    {
        foreach (var (name, error) in results.Where(r => r.FirstError is not null))
        {
            Line($"- {name}: first error {error}");
        }
    }

    private static void Line(string text) => Console.WriteLine(text);

    private static string Ms(TimeSpan value) => string.Create(CultureInfo.InvariantCulture, $"{value.TotalMilliseconds:0.0} ms");

    private static string Added(TimeSpan service, TimeSpan direct) =>
        string.Create(CultureInfo.InvariantCulture, $"{(service - direct).TotalMilliseconds:+0.0;-0.0} ms");

    private static string MiB(long? bytes) =>
        bytes is { } value ? string.Create(CultureInfo.InvariantCulture, $"{value / 1048576.0:0} MiB") : "n/a";

    private static string KiB(long? bytes) =>
        bytes is { } value ? string.Create(CultureInfo.InvariantCulture, $"{value / 1024.0:0} KiB") : "n/a";
}
