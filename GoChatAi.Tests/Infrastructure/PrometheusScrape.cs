using System.Globalization;

namespace GoChatAi.Tests.Infrastructure;

/// <summary>Reads a service's /metrics (Prometheus text format).</summary>
public static class PrometheusScrape
{
    /// <summary>The sum of a metric's samples whose labels contain every one of <paramref name="labels"/> (e.g. <c>operation="verify"</c>).</summary>
    public static async Task<double> ReadAsync(HttpClient client, string metric, params string[] labels)
    {
        var text = await client.GetStringAsync("/metrics");
        return text.Split('\n')
            .Where(line => line.StartsWith(metric + "{", StringComparison.Ordinal) || line.StartsWith(metric + " ", StringComparison.Ordinal))
            .Where(line => labels.All(label => line.Contains(label, StringComparison.Ordinal)))
            .Sum(line =>
            {
                var afterLabels = line[(line.LastIndexOf('}') + 1)..].Trim();
                return double.Parse(afterLabels.Split(' ')[0], CultureInfo.InvariantCulture);
            });
    }
}
