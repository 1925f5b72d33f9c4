using System.Diagnostics;
using System.Globalization;
using GoChatAi.Contracts.Chat.V1;
using Grpc.Core;

namespace GoChatAi.Benchmarks;

/// <summary>One table's worth of figures on the history conversation, in one of its states (linear, branched).</summary>
public sealed record HistoryPhase(string Conversation, IReadOnlyList<ScenarioResult> Results);

/// <summary>GetHistory on one long conversation, first linear, then with branches off its path.</summary>
public sealed record HistoryResult(int Messages, IReadOnlyList<HistoryPhase> Phases, string Path);

/// <summary>
/// GetHistory latency on a conversation of (by default) 100,000 messages: the first page, the newest page, and
/// the same page deep in the conversation reached by offset and by page token (keyset). The conversation is
/// filled through the API, with SendMessage, so that its rows are exactly what the service writes: that is why
/// the stack must run with a raised per-user request limit (see <see cref="BenchmarkSettings.Usage"/>).
/// Then (by default) 1,000 one-message branches are added off the same path, the main path is made active again,
/// and the same pages are read once more, with the path through a branch message: a page must cost the same
/// however many branches leave the path it reads.
/// </summary>
public static class HistoryBenchmark
{
    public const int PageSize = 50;

    // The most GetHistory gives in one page: reading the whole path's ids takes the fewest calls.
    private const int MaxPageSize = 100;

    // Failed sends are sent again; this many failures in all means something is wrong, not unlucky.
    private const int MaxFailures = 100;

    // Filling stops here whatever the count reached; the table then says how many messages there were.
    private static readonly TimeSpan _fillLimit = TimeSpan.FromMinutes(30);

    public static async Task<HistoryResult> RunAsync(ChatBenchmarkContext chat)
    {
        var settings = chat.Settings;
        var owner = chat.Users[0];
        var conversation = await chat.CreateConversationAsync(owner, "Benchmark: history", CancellationToken.None);
        var history = new ConversationHistory(chat.Nearest.Client, owner, conversation);
        var fill = await FillAsync(chat, owner, conversation, settings.HistoryMessages);
        var messages = (await history.GetConversationAsync()).MessageCount;
        if (messages < 3 * PageSize)
        {
            throw new InvalidOperationException($"Only {messages} messages were stored in {_fillLimit.TotalMinutes:0} minutes: too few to page through.");
        }

        // Messages sent at once must still follow one another: a send that took a parent another had already
        // taken would branch the conversation, and the linear figures would not be of a linear conversation.
        var length = (await history.GetAsync(0, "", newestFirst: false, limit: 1)).TotalCount;
        Expect(length == messages, $"The conversation branched while it was filled: {messages:N0} messages, but a path of {length:N0}.");

        Console.Error.WriteLine("history: reading the path's ids");
        var path = await history.ReadPathAsync();
        var leaf = path[^1];

        // Parents from the first message to the one before the leaf: each is already followed on the path, so each
        // send starts a branch beside the path rather than making it longer. (More branches than messages share parents.)
        var count = settings.HistoryBranches;
        var parents = Enumerable.Range(0, count).Select(i => (int)((long)i * (path.Count - 1) / count)).ToArray();

        // GetHistory through a message (message_id) is read where the last branch leaves the path, near its end: through
        // the path's own message there while the conversation is linear, through the branch message once it branches.
        // Both paths are nearly as long as the main one, and the linear figures are what the branched ones compare to.
        var depth = count > 0 ? parents[^1] + 1 : path.Count - 1;
        await ExpectPathThroughAsync(history, path[depth], leaf, path.Count);

        Console.Error.WriteLine("history: paging the linear conversation");
        var phases = new List<HistoryPhase>
        {
            new("linear", [fill, .. await MeasurePagesAsync(chat, history, length, path[depth],
                string.Create(CultureInfo.InvariantCulture, $"the path through a message on it (message_id, depth {depth:N0})"))]),
        };

        if (count > 0)
        {
            var (branching, branches) = await BranchAsync(chat, history, path, parents);
            var branch = branches[^1];
            await ExpectPathThroughAsync(history, branch, branch, depth + 1);
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"history: paging it with {count:N0} branches off the path"));
            phases.Add(new(string.Create(CultureInfo.InvariantCulture, $"{count:N0} branches off the path"),
            [
                branching,
                .. await MeasurePagesAsync(chat, history, length, branch,
                    string.Create(CultureInfo.InvariantCulture, $"the path through a branch message (message_id, depth {depth:N0})")),
            ]));
        }

        return new HistoryResult(messages, phases, chat.Nearest.Name);
    }

    /// <summary>Checks that GetHistory through <paramref name="message"/> reads <paramref name="count"/> messages to <paramref name="leaf"/>.</summary>
    private static async Task ExpectPathThroughAsync(ConversationHistory history, string message, string leaf, int count)
    {
        var through = await history.GetAsync(0, "", newestFirst: false, limit: 1, messageId: message);
        Expect(through.LeafId == leaf && through.TotalCount == count,
            $"GetHistory through {message} read {through.TotalCount:N0} messages to {through.LeafId}, not {count:N0} to {leaf}.");
    }

    /// <summary>
    /// The floor, then the first, the newest and a deep page of the active path, by offset and by token, then the first
    /// and newest page of the path through <paramref name="through"/> (named <paramref name="throughName"/>).
    /// </summary>
    private static async Task<IReadOnlyList<ScenarioResult>> MeasurePagesAsync(
        ChatBenchmarkContext chat, ConversationHistory history, int length, string through, string throughName)
    {
        var settings = chat.Settings;

        // The same 50 messages near the end, reached once by offset and once by the token of the page before them.
        var depth = length - 2 * PageSize;
        var token = (await history.GetAsync(depth - PageSize, "", newestFirst: false)).NextPageToken;
        var byOffset = await history.GetAsync(depth, "", newestFirst: false);
        var byToken = await history.GetAsync(0, token, newestFirst: false);
        Expect(byOffset.Messages.Select(m => m.Id).SequenceEqual(byToken.Messages.Select(m => m.Id)),
            string.Create(CultureInfo.InvariantCulture, $"The page at offset {depth:N0} and the page reached by page_token differ."));

        return
        [
            await chat.RunFloorAsync(history.Owner),
            await LoadRunner.RunAsync("first page (offset 0)", settings.Concurrency, settings.Duration,
                ct => history.GetAsync(0, "", newestFirst: false, ct: ct)),
            await LoadRunner.RunAsync("newest page (newest_first, as a chat view opens)", settings.Concurrency, settings.Duration,
                ct => history.GetAsync(0, "", newestFirst: true, ct: ct)),
            await LoadRunner.RunAsync(string.Create(CultureInfo.InvariantCulture, $"deep page by offset ({depth:N0})"), settings.Concurrency, settings.Duration,
                ct => history.GetAsync(depth, "", newestFirst: false, ct: ct)),
            await LoadRunner.RunAsync("the same page by page_token (keyset)", settings.Concurrency, settings.Duration,
                ct => history.GetAsync(0, token, newestFirst: false, ct: ct)),
            await LoadRunner.RunAsync($"{throughName}: first page", settings.Concurrency, settings.Duration,
                ct => history.GetAsync(0, "", newestFirst: false, messageId: through, ct: ct)),
            await LoadRunner.RunAsync($"{throughName}: newest page", settings.Concurrency, settings.Duration,
                ct => history.GetAsync(0, "", newestFirst: true, messageId: through, ct: ct)),
        ];
    }

    /// <summary>
    /// Adds a one-message branch under each of <paramref name="parents"/> (indexes into the linear <paramref name="path"/>),
    /// timing each SendMessage, then makes the main path active again, and checks that it is. Returns the branch messages.
    /// </summary>
    private static async Task<(ScenarioResult Sending, IReadOnlyList<string> Branches)> BranchAsync(
        ChatBenchmarkContext chat, ConversationHistory history, IReadOnlyList<string> path, int[] parents)
    {
        var leaf = path[^1];
        var conversation = await history.GetConversationAsync();
        Expect(conversation.ActiveLeafId == leaf,
            $"The conversation's active leaf is {conversation.ActiveLeafId}, not the last message of its path ({leaf}).");

        var count = parents.Length;
        var branches = new string[count];
        var latencies = new TimeSpan[count];

        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"history: adding {count:N0} branches off the path"));
        var cpu = MachineCpu.Read();
        var clock = Stopwatch.StartNew();
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = chat.Settings.Concurrency }, async (i, ct) =>
        {
            var parent = path[parents[i]];
            var started = Stopwatch.GetTimestamp();
            var message = await history.Client.SendMessageAsync(new SendMessageRequest
            {
                ConversationId = history.ConversationId,
                Content = string.Create(CultureInfo.InvariantCulture, $"Branch {i + 1:N0}: the same question, asked another way."),
                ParentMessageId = parent,
            }, await history.Owner.HeadersAsync(), cancellationToken: ct);
            latencies[i] = Stopwatch.GetElapsedTime(started);
            Expect(message.ParentId == parent, $"SendMessage with parent_message_id {parent} stored a message under '{message.ParentId}'.");
            branches[i] = message.Id;
        });
        clock.Stop();

        // The main path's leaf has nothing under it, so switching to it makes exactly the linear path active again.
        var switched = await history.Client.SwitchBranchAsync(new SwitchBranchRequest { ConversationId = history.ConversationId, MessageId = leaf },
            await history.Owner.HeadersAsync());
        Expect(switched.MessageCount == path.Count + count,
            $"The conversation holds {switched.MessageCount:N0} messages after branching, not {path.Count + count:N0}.");
        var active = await history.GetAsync(0, "", newestFirst: false, limit: 1);
        Expect(switched.ActiveLeafId == leaf && active.LeafId == leaf && active.TotalCount == path.Count,
            $"After SwitchBranch to the main path's leaf ({leaf}) the active leaf is {switched.ActiveLeafId} and GetHistory reads " +
            $"{active.TotalCount:N0} messages to {active.LeafId}, not {path.Count:N0}.");

        // The pages measured next must show where the path branches, or they would not be doing the work a client needs.
        var beside = (await history.GetAsync(parents[0] + 1, "", newestFirst: false, limit: 1)).Messages[0];
        Expect(beside.SiblingIds.Contains(branches[0]),
            $"The path's message at depth {parents[0] + 1:N0} does not list the branch beside it ({branches[0]}) among its siblings.");

        return (ScenarioResult.From(string.Create(CultureInfo.InvariantCulture,
            $"branching it: SendMessage with parent_message_id, {count:N0} spread over the path, {chat.Settings.Concurrency} at a time"),
            latencies, 0, clock.Elapsed, null) with { Cores = CoresBusy.Between(cpu, MachineCpu.Read()) }, branches);
    }

    private static void Expect(bool condition, string failure)
    {
        if (!condition)
        {
            throw new InvalidOperationException(failure);
        }
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
        var cpu = MachineCpu.Read();
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
            latencies.SelectMany(l => l), failures, clock.Elapsed, firstError) with { Cores = CoresBusy.Between(cpu, MachineCpu.Read()) };
    }

    /// <summary>The history conversation's owner and id, and the calls every scenario makes on it.</summary>
    private sealed class ConversationHistory(ChatService.ChatServiceClient client, BenchmarkUser owner, string conversationId)
    {
        public ChatService.ChatServiceClient Client { get; } = client;

        public BenchmarkUser Owner { get; } = owner;

        public string ConversationId { get; } = conversationId;

        public async Task<GetHistoryResponse> GetAsync(int offset, string pageToken, bool newestFirst,
            int limit = PageSize, string? messageId = null, CancellationToken ct = default)
        {
            var request = new GetHistoryRequest
            {
                ConversationId = ConversationId,
                Limit = limit,
                Offset = offset,
                PageToken = pageToken,
                NewestFirst = newestFirst,
            };
            if (messageId is not null)
            {
                request.MessageId = messageId;
            }

            return await Client.GetHistoryAsync(request, await Owner.HeadersAsync(), cancellationToken: ct);
        }

        public async Task<Conversation> GetConversationAsync() =>
            await Client.GetConversationAsync(new GetConversationRequest { ConversationId = ConversationId }, await Owner.HeadersAsync());

        /// <summary>The ids of the active path, oldest first, read by page token (keyset: every page costs the same).</summary>
        public async Task<IReadOnlyList<string>> ReadPathAsync()
        {
            var ids = new List<string>();
            var token = "";
            GetHistoryResponse page;
            do
            {
                page = await GetAsync(0, token, newestFirst: false, limit: MaxPageSize);
                ids.AddRange(page.Messages.Select(m => m.Id));
                token = page.NextPageToken;
            }
            while (token.Length > 0);

            Expect(ids.Count == page.TotalCount && ids.Count > 1,
                $"Paging the path by page_token gave {ids.Count:N0} messages, but GetHistory counts {page.TotalCount:N0}.");
            return ids;
        }
    }
}
