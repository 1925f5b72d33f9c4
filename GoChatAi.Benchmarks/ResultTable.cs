using System.Globalization;
using System.Runtime.InteropServices;

namespace GoChatAi.Benchmarks;

/// <summary>Prints the results as a Markdown table, ready for the README.</summary>
public static class ResultTable
{
    public static void Print(IReadOnlyList<ScenarioResult> results, BenchmarkSettings settings)
    {
        Console.WriteLine($"{Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}; " +
            $"{settings.Concurrency} concurrent callers, {settings.Duration.TotalSeconds:0} s per scenario");
        Console.WriteLine();
        Console.WriteLine("| scenario | requests/s | p50 | p99 | errors |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        foreach (var result in results)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {result.Name} | {result.PerSecond:0.0} | {Milliseconds(result.P50)} | {Milliseconds(result.P99)} | {result.Errors} |"));
        }
    }

    private static string Milliseconds(TimeSpan value) => string.Create(CultureInfo.InvariantCulture, $"{value.TotalMilliseconds:0.0} ms");
}
