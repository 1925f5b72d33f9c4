using System.Diagnostics;
using System.Globalization;
using GoChatAi.Contracts.Chat.V1;
using Grpc.Core;

namespace GoChatAi.Benchmarks;

/// <summary>GetHistory on one long conversation, and how fast SendMessage filled it.</summary>
public sealed record HistoryResult(int Messages, ScenarioResult Fill, IReadOnlyList<ScenarioResult> Pages, string Path);

/// <summary>
/// GetHistory latency on a conversation of (by default) 100,000 messages: the first page, the newest page, and
/// the same page deep in the conversation reached by offset and by page token (keyset). The conversation is
/// filled through the API, with SendMessage, so that its rows are exactly what the service writes: that is why
/// the stack must run with a raised per-user request limit (see <see cref="BenchmarkSettings.Usage"/>).
/// </summary>
public static class HistoryBenchmark
{
    public const int PageSize = 50;

    // Failed sends are sent again; this many failures in all means something is wrong, not unlucky.
    private const int MaxFailures = 100;

    // Filling stops here whatever the count reached; the table then says how many messages there were.
    private static readonly TimeSpan _fillLimit = TimeSpan.FromMinutes(30);

    public static async Task<HistoryResult> RunAsync(ChatBenchmarkContext chat)
    {
        var settings = chat.Settings;
        var owner = chat.Users[0];
        var conversation = await chat.CreateConversationAsync(owner, "Benchmark: history", CancellationToken.None);
        var fill = await FillAsync(chat, owner, conversation, settings.HistoryMessages);
        var messages = (await chat.Chat.GetConversationAsync(new GetConversationRequest { ConversationId = conversation },
            await owner.HeadersAsync())).MessageCount;
        if (messages < 3 * PageSize)
        {
            throw new InvalidOperationException($"Only {messages} messages were stored in {_fillLimit.TotalMinutes:0} minutes: too few to page through.");
        }

        async Task<GetHistoryResponse> GetHistoryAsync(int offset, string pageToken, bool newestFirst, CancellationToken ct) =>
            await chat.Nearest.Client.GetHistoryAsync(new GetHistoryRequest
            {
                ConversationId = conversation,
                Limit = PageSize,
                Offset = offset,
                PageToken = pageToken,
                NewestFirst = newestFirst,
            }, await owner.HeadersAsync(), cancellationToken: ct);

        // The same 50 messages near the end, reached once by offset and once by the token of the page before them.
        var depth = messages - 2 * PageSize;
        var token = (await GetHistoryAsync(depth - PageSize, "", newestFirst: false, CancellationToken.None)).NextPageToken;

        Console.Error.WriteLine("history: paging");
        var pages = new List<ScenarioResult>
        {
            await chat.RunFloorAsync(owner),
            await LoadRunner.RunAsync("first page (offset 0)", settings.Concurrency, settings.Duration,
                ct => GetHistoryAsync(0, "", newestFirst: false, ct)),
            await LoadRunner.RunAsync("newest page (newest_first, as a chat view opens)", settings.Concurrency, settings.Duration,
                ct => GetHistoryAsync(0, "", newestFirst: true, ct)),
            await LoadRunner.RunAsync(string.Create(CultureInfo.InvariantCulture, $"deep page by offset ({depth:N0})"), settings.Concurrency, settings.Duration,
                ct => GetHistoryAsync(depth, "", newestFirst: false, ct)),
            await LoadRunner.RunAsync("the same page by page_token (keyset)", settings.Concurrency, settings.Duration,
                ct => GetHistoryAsync(0, token, newestFirst: false, ct)),
        };
        return new HistoryResult(messages, fill, pages, chat.Nearest.Name);
    }

    /// <summary>Sends <paramref name="count"/> messages into the conversation from many workers, timing each.</summary>
    private static async Task<ScenarioResult> FillAsync(ChatBenchmarkContext chat, BenchmarkUser owner, string conversation, int count)
    {
        var concurrency = chat.Settings.Concurrency;
        var latencies = Enumerable.Range(0, concurrency).Select(_ => new List<TimeSpan>(count / concurrency + 1)).ToArray();
        var claimed = 0;
        var sent = 0;
        var failures = 0;
        string? firstError = null;
        Exception? fatal = null;
        var progressStep = Math.Max(1, count / 10);
        using var stop = new CancellationTokenSource(_fillLimit);

        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"history: sending {count:N0} messages into one conversation"));
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(worker => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var index = Interlocked.Increment(ref claimed);
                if (index > count)
                {
                    Interlocked.Decrement(ref claimed);
                    return;
                }

                var started = Stopwatch.GetTimestamp();
                try
                {
                    await chat.Nearest.Client.SendMessageAsync(new SendMessageRequest
                    {
                        ConversationId = conversation,
                        Content = string.Create(CultureInfo.InvariantCulture, $"History message {index:N0}: a line of ordinary length, as people write in a chat."),
                    }, await owner.HeadersAsync(), cancellationToken: stop.Token);
                    latencies[worker].Add(Stopwatch.GetElapsedTime(started));
                    if (Interlocked.Increment(ref sent) % progressStep == 0)
                    {
                        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"history: {sent:N0} of {count:N0} ({sent / clock.Elapsed.TotalSeconds:0}/s)"));
                    }
                }
                catch (Exception exception) when (!stop.IsCancellationRequested)
                {
                    // The slot is given back, so that the conversation still ends with the full count.
                    Interlocked.Decrement(ref claimed);
                    Interlocked.CompareExchange(ref firstError, ErrorText.Describe(exception), null);
                    if (exception is RpcException { StatusCode: StatusCode.ResourceExhausted })
                    {
                        Interlocked.CompareExchange(ref fatal, new BenchmarkSetupException(
                            "SendMessage hit the ChatService's per-user request limit while filling the history conversation: start the AppHost " +
                            "with `Chat__RequestsPerMinute=1000000` (see --help)."), null);
                        await stop.CancelAsync();
                    }
                    else if (Interlocked.Increment(ref failures) > MaxFailures)
                    {
                        Interlocked.CompareExchange(ref fatal, new InvalidOperationException(
                            $"SendMessage failed more than {MaxFailures} times while filling the history conversation; the first: {firstError}"), null);
                        await stop.CancelAsync();
                    }
                }
                catch (Exception) when (stop.IsCancellationRequested)
                {
                    // The time limit, or another worker's fatal failure, ended the fill.
                }
            }
        })));
        clock.Stop();

        if (fatal is not null)
        {
            throw fatal;
        }

        return ScenarioResult.From(string.Create(CultureInfo.InvariantCulture, $"filling it: SendMessage, {concurrency} at a time"),
            latencies.SelectMany(l => l), failures, clock.Elapsed, firstError);
    }
}
