using System.Globalization;

namespace GoChatAi.Benchmarks;

/// <summary>One path's timings, and the ChatService CPU it cost per 1,000 answers (none for the stand-in alone).</summary>
public sealed record PathLatency(StreamSummary Summary, double? CpuSecondsPerThousand);

/// <summary>The same streamed answer asked of the stand-in model directly and through the ChatService, at one level of concurrency.</summary>
public sealed record StreamLatencyResult(int Concurrency, PathLatency Model, IReadOnlyList<PathLatency> Service, int Tokens, TimeSpan Pace, TimeSpan Duration);

/// <summary>
/// Time to first and to last token of one streamed answer, asked of the stand-in model directly (HTTP/1.1 SSE, as
/// the ChatService's SDK asks it) and through the ChatService's StreamChat (gRPC), through the AppHost's proxy
/// and on the service's own port, and through its OpenAI-compatible endpoint (stateless: nothing stored but the
/// usage), one stream at a time and several: the difference is what the service adds (validating the token,
/// storing the question, starting the job, the feed, storing the answer). The stand-in's
/// pace is fixed by a directive in the message, so every path gets the same answer.
/// </summary>
public static class StreamLatencyBenchmark
{
    public const int Tokens = 20;
    public static readonly TimeSpan Pace = TimeSpan.FromMilliseconds(10);

    private static readonly TimeSpan _timeout = TimeSpan.FromSeconds(60);

    public static async Task<IReadOnlyList<StreamLatencyResult>> RunAsync(ChatBenchmarkContext chat)
    {
        var settings = chat.Settings;
        var message = string.Create(CultureInfo.InvariantCulture,
            $"How long does a streamed answer take? [[devmodel: tokens={Tokens}; slow={Pace.TotalMilliseconds:0}ms]]");
        var results = new List<StreamLatencyResult>();
        foreach (var concurrency in settings.LatencyLevels)
        {
            Console.Error.WriteLine($"latency, {concurrency} at a time: the stand-in model directly");
            var model = await LoadRunner.CollectAsync(concurrency, settings.Duration, async (_, ct) =>
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(_timeout);
                return await chat.DevModel.StreamAsync(chat.Model, message, ChatBenchmarkContext.MaxTokens, Tokens, timeout.Token);
            });

            var service = new List<PathLatency>();
            foreach (var path in new[] { chat.Proxied, chat.Direct }.OfType<ChatPath>())
            {
                Console.Error.WriteLine($"latency, {concurrency} at a time: the ChatService, {path.Name}");
                double? cpuBefore = null;
                var run = await LoadRunner.CollectAsync(concurrency, settings.Duration, async (worker, ct) =>
                {
                    // A conversation per answer, created outside the timing: the service runs one answer per conversation
                    // at a time, and the model then gets one message, as in the direct request.
                    var user = chat.UserFor(worker);
                    var conversation = await chat.CreateConversationAsync(user, "Benchmark: latency", ct);
                    return await path.StreamChatAsync(user, conversation, message, Tokens, _timeout, ct);
                }, async () => cpuBefore = await chat.Metrics.CpuSecondsAsync(CancellationToken.None));
                var cpuAfter = await chat.Metrics.CpuSecondsAsync(CancellationToken.None);
                service.Add(new PathLatency(
                    StreamSummary.From($"ChatService StreamChat (gRPC), {path.Name}", run.Samples, run.Errors, run.FirstError),
                    PerThousand(cpuAfter - cpuBefore, run.Samples.Count + run.Errors)));
            }

            if (chat.OpenAiApi is var (openAi, name))
            {
                Console.Error.WriteLine($"latency, {concurrency} at a time: {name}");
                double? cpuBefore = null;
                var run = await LoadRunner.CollectAsync(concurrency, settings.Duration, async (_, ct) =>
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    timeout.CancelAfter(_timeout);
                    return await openAi.StreamAsync(chat.Model, message, ChatBenchmarkContext.MaxTokens, Tokens, timeout.Token);
                }, async () => cpuBefore = await chat.Metrics.CpuSecondsAsync(CancellationToken.None));
                var cpuAfter = await chat.Metrics.CpuSecondsAsync(CancellationToken.None);
                service.Add(new PathLatency(StreamSummary.From(name, run.Samples, run.Errors, run.FirstError), PerThousand(cpuAfter - cpuBefore, run.Samples.Count + run.Errors)));
            }

            results.Add(new StreamLatencyResult(concurrency,
                new PathLatency(StreamSummary.From("stand-in model, asked directly (HTTP SSE)", model.Samples, model.Errors, model.FirstError), null),
                service, Tokens, Pace, settings.Duration));
        }

        return results;
    }

    /// <summary>CPU seconds per 1,000 answers (each with the CreateConversation that precedes it in the latency figures).</summary>
    public static double? PerThousand(double? cpuSeconds, int answers) =>
        cpuSeconds is { } seconds && answers > 0 ? seconds * 1000 / answers : null;
}
