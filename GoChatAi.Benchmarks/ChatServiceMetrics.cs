using System.Globalization;

namespace GoChatAi.Benchmarks;

/// <summary>
/// The ChatService's working set and CPU time, from its Prometheus scrape endpoint (<c>/metrics</c> on the REST
/// port): the very process behind the port the benchmark calls, even when another stack runs on the machine.
/// </summary>
public sealed class ChatServiceMetrics(HttpClient chatRest)
{
    private const string WorkingSet = "dotnet_process_memory_working_set_bytes";
    private const string CpuTime = "dotnet_process_cpu_time_seconds_total";

    public string Source => $"{WorkingSet} and {CpuTime} from {chatRest.BaseAddress}metrics";

    /// <summary>User and system CPU seconds the ChatService has used since it started.</summary>
    public async Task<double?> CpuSecondsAsync(CancellationToken cancellationToken) =>
        Sum(await ScrapeAsync(cancellationToken), CpuTime);

    /// <summary>The working set and the CPU seconds, from one scrape.</summary>
    public async Task<(long? WorkingSet, double? CpuSeconds)> SampleAsync(CancellationToken cancellationToken)
    {
        var text = await ScrapeAsync(cancellationToken);
        return ((long?)Sum(text, WorkingSet), Sum(text, CpuTime));
    }

    private async Task<string?> ScrapeAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await chatRest.GetStringAsync(new Uri("metrics", UriKind.Relative), cancellationToken);
        }
        catch (Exception exception) when (exception is HttpRequestException || (exception is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // Not there, or too busy to answer in time: this sample is skipped.
            return null;
        }
    }

    /// <summary>The sum of every series of a metric (the CPU time comes per mode: user, system).</summary>
    private static double? Sum(string? text, string metric)
    {
        if (text is null)
        {
            return null;
        }

        double? sum = null;
        foreach (var line in text.Split('\n'))
        {
            // `name{labels} value [timestamp]` or `name value [timestamp]`.
            if (!line.StartsWith(metric, StringComparison.Ordinal) || line.Length == metric.Length || line[metric.Length] is not ('{' or ' '))
            {
                continue;
            }

            var valueStart = line[metric.Length] == '{' ? line.LastIndexOf('}') + 1 : metric.Length;
            if (double.TryParse(line[valueStart..].Trim().Split(' ')[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                sum = (sum ?? 0) + value;
            }
        }

        return sum;
    }
}
