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
        Line($"| scenario | requests/s | p50 | p99 | errors | {CpuHeader} |");
        Line($"|---|---:|---:|---:|---:|{CpuAlignment}");
        foreach (var result in results)
        {
            Line($"| {Cells(result)} | {CpuCells(result)} |");
        }

        Errors(results.Select(r => (r.Name, r.FirstError)));
    }

    public static void PrintStreamLatency(IReadOnlyList<StreamLatencyResult> results)
    {
        foreach (var result in results)
        {
            Heading(string.Create(CultureInfo.InvariantCulture, $"ChatService: a streamed answer ({result.Tokens} tokens, {result.Pace.TotalMilliseconds:0} ms apart), " +
                $"{result.Concurrency} {(result.Concurrency == 1 ? "stream" : "streams")} at a time, {result.Duration.TotalSeconds:0} s per path"));
            Line("| path | streams | first token p50 | first token p99 | last token p50 | last token p99 | errors | ChatService CPU s / 1,000 answers |");
            Line("|---|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var path in result.Service.Prepend(result.Model))
            {
                var s = path.Summary;
                Line(string.Create(CultureInfo.InvariantCulture, $"| {s.Name} | {s.Streams} | {Ms(s.FirstTokenP50)} | {Ms(s.FirstTokenP99)} | " +
                    $"{Ms(s.LastTokenP50)} | {Ms(s.LastTokenP99)} | {s.Errors} | {Seconds(path.CpuSecondsPerThousand)} |"));
            }

            // A difference of percentiles, not a percentile of differences: the paths are separate runs.
            var model = result.Model.Summary;
            foreach (var path in result.Service)
            {
                var s = path.Summary;
                Line(string.Create(CultureInfo.InvariantCulture, $"| **added by** {s.Name} | | " +
                    $"{Added(s.FirstTokenP50, model.FirstTokenP50)} | {Added(s.FirstTokenP99, model.FirstTokenP99)} | " +
                    $"{Added(s.LastTokenP50, model.LastTokenP50)} | {Added(s.LastTokenP99, model.LastTokenP99)} | | |"));
            }

            Errors(result.Service.Prepend(result.Model).Select(p => (p.Summary.Name, p.Summary.FirstError)));
        }
    }

    public static void PrintWeb(WebResult result)
    {
        Heading(string.Create(CultureInfo.InvariantCulture, $"GoChatAi.Web: Enter to first token on screen ({result.Tokens} tokens, {result.Pace.TotalMilliseconds:0} ms apart), " +
            $"one answer at a time, paths alternating; Chromium {result.BrowserVersion}"));
        Line("| path | answers | first token p50 | first token p99 | errors |");
        Line("|---|---:|---:|---:|---:|");
        foreach (var s in new[] { result.Model, result.Grpc, result.Browser })
        {
            Line(string.Create(CultureInfo.InvariantCulture, $"| {s.Name} | {s.Streams} | {Ms(s.FirstTokenP50)} | {Ms(s.FirstTokenP99)} | {s.Errors} |"));
        }

        Line(string.Create(CultureInfo.InvariantCulture, $"| **added by** the ChatService | | {Added(result.Grpc.FirstTokenP50, result.Model.FirstTokenP50)} | {Added(result.Grpc.FirstTokenP99, result.Model.FirstTokenP99)} | |"));
        Line(string.Create(CultureInfo.InvariantCulture, $"| **added by** the web app and the browser | | {Added(result.Browser.FirstTokenP50, result.Grpc.FirstTokenP50)} | {Added(result.Browser.FirstTokenP99, result.Grpc.FirstTokenP99)} | |"));
        Errors([(result.Model.Name, result.Model.FirstError), (result.Grpc.Name, result.Grpc.FirstError), (result.Browser.Name, result.Browser.FirstError)]);
    }

    public static void PrintStreamCapacity(StreamCapacityResult result)
    {
        Heading(string.Create(CultureInfo.InvariantCulture, $"ChatService: concurrent streams, all started at once ({result.Tokens} tokens, {result.Pace.TotalMilliseconds:0} ms apart: " +
            $"{(result.Tokens * result.Pace).TotalSeconds:0.#} s an answer), {result.Path}"));
        Line("| streams | stand-in directly: completed | first token p50 / p99 | ChatService: completed | errors | message stored p50 / p99 | first token p50 / p99 | last token p99 | starts/s | cores busy to the last start: machine / ChatService | working set before → peak | per stream | CPU s / 1,000 answers |");
        Line("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var level in result.Levels)
        {
            Line(string.Create(CultureInfo.InvariantCulture, $"| {level.Streams}{(level.Again ? ", again" : "")} | {level.Model.Streams} | {Ms(level.Model.FirstTokenP50)} / {Ms(level.Model.FirstTokenP99)} | " +
                $"{level.Service.Streams} | {level.Service.Errors} | {Ms(level.Service.AcceptedP50)} / {Ms(level.Service.AcceptedP99)} | {Ms(level.Service.FirstTokenP50)} / {Ms(level.Service.FirstTokenP99)} | {Ms(level.Service.LastTokenP99)} | " +
                $"{level.StartsPerSecond:0} | {Cores(level.CoresBusyToLastStart)} | {MiB(level.WorkingSetBefore)} → {MiB(level.WorkingSetPeak)} | {KiB(level.BytesPerStream)} | {Seconds(level.CpuSecondsPerThousand)} |"));
        }

        Line("");
        Line(string.Create(CultureInfo.InvariantCulture, $"Each level runs twice against the ChatService: the first burst at that size, then the same again (the stand-in's figures are its own single run). Message stored: the stream's first event (its start done). Cores busy: from the level's start to its last first token, the machine's (every process: the benchmark, the stand-in, PostgreSQL, the cache, the services) and the ChatService's; below, part by part. Working set and CPU: {result.MetricsSource}; per stream = (peak − before) / streams, with the GC free to collect meanwhile."));
        PrintCoresBusy(string.Create(CultureInfo.InvariantCulture, $"Cores busy from each level's start to its last first token, of the machine's {Environment.ProcessorCount} (/proc):"),
            result.Levels.Select(l => (string.Create(CultureInfo.InvariantCulture, $"{l.Streams}{(l.Again ? ", again" : "")}"), l.CoresBusyToLastStart)));
        Errors(result.Levels.SelectMany(l => new[]
        {
            (string.Create(CultureInfo.InvariantCulture, $"{l.Streams} streams, the stand-in"), l.Again ? null : l.Model.FirstError),
            (string.Create(CultureInfo.InvariantCulture, $"{l.Streams} streams, the ChatService{(l.Again ? ", again" : "")}"), l.Service.FirstError),
        }));
    }

    public static void PrintStreamHold(StreamHoldResult result)
    {
        Heading(string.Create(CultureInfo.InvariantCulture, $"ChatService: streams held open together ({result.Tokens} tokens, {result.Pace.TotalSeconds:0.#} s apart: " +
            $"{(result.Tokens * result.Pace).TotalSeconds:0} s an answer), started by {result.Starters} callers, {result.Path}"));
        Line("| streams | completed | errors | open at once (peak) | message stored p50 / p99 | first token p50 / p99 | last token p99 | starts/s | working set before → peak | per open stream | CPU s / 1,000 answers |");
        Line("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        var s = result.Service;
        Line(string.Create(CultureInfo.InvariantCulture, $"| {result.Streams} | {s.Streams} | {s.Errors} | {result.PeakOpen} | {Ms(s.AcceptedP50)} / {Ms(s.AcceptedP99)} | " +
            $"{Ms(s.FirstTokenP50)} / {Ms(s.FirstTokenP99)} | {Ms(s.LastTokenP99)} | {result.StartsPerSecond:0} | {MiB(result.WorkingSetBefore)} → {MiB(result.WorkingSetPeak)} | " +
            $"{KiB(result.BytesPerStream)} | {Seconds(result.CpuSecondsPerThousand)} |"));
        Line("");
        Line(string.Create(CultureInfo.InvariantCulture, $"Each caller starts its next stream once the last one has its first event (message stored); starts/s counts to the last start. Working set and CPU: {result.MetricsSource}; per open stream = (peak − before) / open at once."));
        Errors([(string.Create(CultureInfo.InvariantCulture, $"{result.Streams} streams held open"), s.FirstError)]);
    }

    /// <summary>One table for every state of the history conversation, each row saying which, so that they compare line by line.</summary>
    public static void PrintHistory(HistoryResult result)
    {
        Heading(string.Create(CultureInfo.InvariantCulture,
            $"ChatService: GetHistory on a conversation of {result.Messages:N0} messages ({HistoryBenchmark.PageSize} a page), " +
            $"{string.Join(", then ", result.Phases.Select(p => p.Conversation))}, {result.Path}"));
        Line($"| conversation | scenario | requests/s | p50 | p99 | errors | {CpuHeader} |");
        Line($"|---|---|---:|---:|---:|---:|{CpuAlignment}");
        foreach (var phase in result.Phases)
        {
            foreach (var row in phase.Results)
            {
                Line($"| {phase.Conversation} | {Cells(row)} | {CpuCells(row)} |");
            }
        }

        Errors(result.Phases.SelectMany(p => p.Results.Select(r => ($"{p.Conversation}, {r.Name}", r.FirstError))));
    }

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

    public static void PrintSearch(SearchResult result)
    {
        Heading(string.Create(CultureInfo.InvariantCulture,
            $"ChatService: SearchConversations, {result.Messages:N0} messages of {result.Users} users, {result.Messages / result.Users:N0} of them the searcher's, {result.Path}"));
        Line(string.Create(CultureInfo.InvariantCulture,
            $"Filled through ImportConversations: {result.Files:N0} files of {SearchBenchmark.MessagesPerFile:N0} messages, {result.Import.TotalSeconds:0} s, {result.Messages / result.Import.TotalSeconds:N0} messages/s."));
        Line("");
        Line("| query | the searcher's messages it matches | callers | requests/s | p50 | p95 | p99 | errors |");
        Line("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var row in result.Rows)
        {
            var r = row.Result;
            Line(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Name} | {row.Matches} | {row.Callers} | {r.PerSecond:0.0} | {Ms(r.P50)} | {Ms(r.P95)} | {Ms(r.P99)} | {r.Errors} |"));
        }

        Errors(result.Rows.Select(r => (r.Result.Name, r.Result.FirstError)));
        PrintThroughput("ChatService: a conversation whole, shared and exported", result.Whole);
    }

    private static string Cells(ScenarioResult result) =>
        string.Create(CultureInfo.InvariantCulture, $"{result.Name} | {result.PerSecond:0.0} | {Ms(result.P50)} | {Ms(result.P99)} | {result.Errors}");

    private static void Line(string text) => Console.WriteLine(text);

    private static string Ms(TimeSpan value) => string.Create(CultureInfo.InvariantCulture, $"{value.TotalMilliseconds:0.0} ms");

    private static string Added(TimeSpan service, TimeSpan direct) =>
        string.Create(CultureInfo.InvariantCulture, $"{(service - direct).TotalMilliseconds:+0.0;-0.0} ms");

    /// <summary>The parts of the stack whose CPU time a request the throughput tables show, after the whole machine's.</summary>
    private static readonly string[] s_cpuParts = ["ChatService", "AuthService", "PostgreSQL", "cache", "benchmark"];

    private static string CpuHeader => $"CPU ms a request: machine | {string.Join(" | ", s_cpuParts)}";

    private static string CpuAlignment => string.Concat(Enumerable.Repeat("---:|", s_cpuParts.Length + 1));

    private static string CpuCells(ScenarioResult result) =>
        string.Join(" | ", s_cpuParts.Prepend(null).Select(part =>
            result.CpuMsPerRequest(part) is { } ms ? string.Create(CultureInfo.InvariantCulture, $"{ms:0.00}") : ""));

    private static string Seconds(double? seconds) =>
        seconds is { } value ? string.Create(CultureInfo.InvariantCulture, $"{value:0.0}") : "";

    private static string Cores(CoresBusy? cores) =>
        cores is null ? "n/a" : string.Create(CultureInfo.InvariantCulture, $"{cores.Machine:0.00} / {cores["ChatService"]:0.00}");

    /// <summary>Where the machine's CPU went, part by part of the stack, over the stretches the rows name.</summary>
    private static void PrintCoresBusy(string title, IEnumerable<(string Row, CoresBusy? Cores)> rows)
    {
        var measured = rows.Where(r => r.Cores is not null).ToList();
        if (measured.Count == 0)
        {
            return;
        }

        var parts = MachineCpu.Parts.Select(p => p.Part).Append(MachineCpu.Other)
            .Where(part => measured.Any(r => r.Cores![part] >= 0.005)).ToList();
        Line("");
        Line(title);
        Line("");
        Line($"| | machine | {string.Join(" | ", parts)} |");
        Line($"|---|---:|{string.Concat(parts.Select(_ => "---:|"))}");
        foreach (var (row, cores) in measured)
        {
            Line(string.Create(CultureInfo.InvariantCulture, $"| {row} | {cores!.Machine:0.00} | {string.Join(" | ", parts.Select(p => cores[p].ToString("0.00", CultureInfo.InvariantCulture)))} |"));
        }
    }

    private static string MiB(long? bytes) =>
        bytes is { } value ? string.Create(CultureInfo.InvariantCulture, $"{value / 1048576.0:0} MiB") : "n/a";

    private static string KiB(long? bytes) =>
        bytes is { } value ? string.Create(CultureInfo.InvariantCulture, $"{value / 1024.0:0} KiB") : "n/a";
}
