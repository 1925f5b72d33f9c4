namespace GoChatAi.Benchmarks;

/// <summary>
/// When the first and the last piece of an answer's text arrived, counted from the moment it was asked for, and
/// when its first event did (the ChatService's start path done: the user's message stored; zero for the stand-in).
/// </summary>
public readonly record struct StreamTiming(TimeSpan FirstToken, TimeSpan LastToken, TimeSpan Accepted = default);

/// <summary>How many streams' timings spread: p50 and p99 of the first and of the last token.</summary>
public sealed record StreamSummary(
    string Name,
    int Streams,
    int Errors,
    TimeSpan FirstTokenP50,
    TimeSpan FirstTokenP99,
    TimeSpan LastTokenP50,
    TimeSpan LastTokenP99,
    string? FirstError,
    TimeSpan FirstTokenMax = default,
    TimeSpan AcceptedP50 = default,
    TimeSpan AcceptedP99 = default)
{
    /// <summary>Waits for every stream: the whole ones are timed, the others counted, with the first error.</summary>
    public static async Task<StreamSummary> OfAsync(IEnumerable<Task<StreamTiming>> streams)
    {
        var outcomes = await Task.WhenAll(streams.Select(async stream =>
        {
            try
            {
                return (Timing: (StreamTiming?)await stream, Error: (string?)null);
            }
            catch (Exception exception)
            {
                return (Timing: null, Error: ErrorText.Describe(exception));
            }
        }));
        return From("", [.. outcomes.Where(o => o.Timing is not null).Select(o => o.Timing!.Value)],
            outcomes.Count(o => o.Timing is null), outcomes.Select(o => o.Error).FirstOrDefault(e => e is not null));
    }

    public static StreamSummary From(string name, IReadOnlyList<StreamTiming> timings, int errors, string? firstError) => new(
        name,
        timings.Count,
        errors,
        Percentiles.Of(timings.Select(t => t.FirstToken), 0.50),
        Percentiles.Of(timings.Select(t => t.FirstToken), 0.99),
        Percentiles.Of(timings.Select(t => t.LastToken), 0.50),
        Percentiles.Of(timings.Select(t => t.LastToken), 0.99),
        firstError,
        timings.Count > 0 ? timings.Max(t => t.FirstToken) : default,
        Percentiles.Of(timings.Select(t => t.Accepted), 0.50),
        Percentiles.Of(timings.Select(t => t.Accepted), 0.99));
}
