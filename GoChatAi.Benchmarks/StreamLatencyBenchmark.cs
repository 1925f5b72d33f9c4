using System.Globalization;

namespace GoChatAi.Benchmarks;

/// <summary>The same streamed answer asked of the stand-in model directly and through the ChatService.</summary>
public sealed record StreamLatencyResult(StreamSummary Direct, StreamSummary Service, int Tokens, TimeSpan Pace, int Concurrency, TimeSpan Duration);

/// <summary>
/// Time to first and to last token of one streamed answer, asked of the stand-in model directly (HTTP/1.1 SSE, as
/// the ChatService's SDK asks it) and through the ChatService's StreamChat (gRPC), so that the difference is what
/// the service adds: validating the token, storing the question, the job, the Redis feed the deltas travel through,
/// storing the answer. The stand-in's pace is fixed by a directive in the message, so both paths get the same answer.
/// </summary>
public static class StreamLatencyBenchmark
{
    public const int Tokens = 20;
    public static readonly TimeSpan Pace = TimeSpan.FromMilliseconds(10);

    private static readonly TimeSpan _timeout = TimeSpan.FromSeconds(60);

    public static async Task<StreamLatencyResult> RunAsync(ChatBenchmarkContext chat)
    {
        var settings = chat.Settings;
        var message = string.Create(CultureInfo.InvariantCulture,
            $"How long does a streamed answer take? [[devmodel: tokens={Tokens}; slow={Pace.TotalMilliseconds:0}ms]]");

        Console.Error.WriteLine("latency: the stand-in model directly");
        var direct = await LoadRunner.CollectAsync(settings.Concurrency, settings.Duration, async (_, ct) =>
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(_timeout);
            return await chat.DevModel.StreamAsync(chat.Model, message, ChatBenchmarkContext.MaxTokens, Tokens, timeout.Token);
        });

        Console.Error.WriteLine("latency: through the ChatService");
        var service = await LoadRunner.CollectAsync(settings.Concurrency, settings.Duration, async (worker, ct) =>
        {
            // A conversation per answer, created outside the timing: the service runs one answer per conversation at
            // a time, and the model then gets one message, as in the direct request.
            var user = chat.UserFor(worker);
            var conversation = await chat.CreateConversationAsync(user, "Benchmark: latency", ct);
            return await chat.StreamChatAsync(user, conversation, message, Tokens, _timeout, ct);
        });

        return new StreamLatencyResult(
            StreamSummary.From("stand-in model, asked directly (HTTP SSE)", direct.Samples, direct.Errors, direct.FirstError),
            StreamSummary.From("ChatService StreamChat (gRPC)", service.Samples, service.Errors, service.FirstError),
            Tokens, Pace, settings.Concurrency, settings.Duration);
    }
}
