using System.Diagnostics;
using System.Globalization;

namespace GoChatAi.Benchmarks;

/// <summary>
/// The ChatService's working set. First from its Prometheus scrape endpoint (<c>/metrics</c> on the REST port):
/// that is the very process behind the port the benchmark calls, even when the tests run another stack on the
/// same machine. Else from the one process named GoChatAi.ChatService, when there is exactly one.
/// </summary>
public sealed class ChatServiceMemory(HttpClient chatRest)
{
    public const string ProcessName = "GoChatAi.ChatService";

    // System.Runtime's gauge (.NET 9+ runtime metrics), then the OpenTelemetry process instrumentation's names.
    private static readonly string[] _gauges =
        ["dotnet_process_memory_working_set_bytes", "process_working_set_bytes", "process_memory_usage_bytes"];

    private static readonly TimeSpan _sampleInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>Where the last reading came from, for the table.</summary>
    public string Source { get; private set; } = "not available";

    public async Task<long?> ReadAsync(CancellationToken cancellationToken)
    {
        if (await ReadMetricsAsync(cancellationToken) is { } scraped)
        {
            return scraped;
        }

        var processes = Process.GetProcessesByName(ProcessName);
        try
        {
            if (processes.Length != 1)
            {
                Source = $"not available (no /metrics gauge, and {processes.Length} processes named {ProcessName})";
                return null;
            }

            Source = $"WorkingSet64 of the process {ProcessName} (pid {processes[0].Id})";
            return processes[0].WorkingSet64;
        }
        finally
        {
            foreach (var process in processes)
            {
                process.Dispose();
            }
        }
    }

    /// <summary>Samples a few times a second until stopped and returns the highest reading.</summary>
    public async Task<long?> PeakAsync(CancellationToken stop)
    {
        long? peak = null;
        using var timer = new PeriodicTimer(_sampleInterval);
        try
        {
            do
            {
                if (await ReadAsync(stop) is { } sample && sample > (peak ?? 0))
                {
                    peak = sample;
                }
            }
            while (await timer.WaitForNextTickAsync(stop));
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopped: the peak so far is the answer.
        }

        return peak;
    }

    private async Task<long?> ReadMetricsAsync(CancellationToken cancellationToken)
    {
        string text;
        try
        {
            text = await chatRest.GetStringAsync(new Uri("metrics", UriKind.Relative), cancellationToken);
        }
        catch (Exception exception) when (exception is HttpRequestException || (exception is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // Not there, or too busy to answer in time: this sample is skipped.
            return null;
        }

        foreach (var gauge in _gauges)
        {
            foreach (var line in text.Split('\n'))
            {
                // `name{labels} value [timestamp]` or `name value [timestamp]`.
                if (!line.StartsWith(gauge, StringComparison.Ordinal) || line.Length == gauge.Length || line[gauge.Length] is not ('{' or ' '))
                {
                    continue;
                }

                var valueStart = line[gauge.Length] == '{' ? line.LastIndexOf('}') + 1 : gauge.Length;
                if (double.TryParse(line[valueStart..].Trim().Split(' ')[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var bytes))
                {
                    Source = $"{gauge} from {chatRest.BaseAddress}metrics";
                    return (long)bytes;
                }
            }
        }

        return null;
    }
}
