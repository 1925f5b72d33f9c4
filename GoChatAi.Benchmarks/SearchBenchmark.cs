using System.Diagnostics;
using System.Globalization;
using System.Text;
using GoChatAi.Contracts.Chat.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace GoChatAi.Benchmarks;

/// <summary>One query's figures: how many of the searcher's messages it matches, at how many callers.</summary>
public sealed record SearchRow(ScenarioResult Result, int Matches, int Callers);

/// <summary>The search figures, and how the messages searched were put there.</summary>
public sealed record SearchResult(long Messages, int Users, int Files, TimeSpan Import, IReadOnlyList<SearchRow> Rows, string Path, IReadOnlyList<ScenarioResult> Whole);

/// <summary>
/// SearchConversations over a large table: (by default) 1,000,000 messages of ten users, 100,000 of them the
/// searcher's, put there through ImportConversations (so that its rows are what the service writes, and the import
/// has a figure too). The text is made of words drawn with the skewed frequencies of real text (a few words are in
/// many messages, most in few), so that queries range from rare words to words in one message of fifteen; each query
/// is timed from one caller (what a person waits) and all of them from many callers at once.
/// </summary>
public static class SearchBenchmark
{
    public const int MessagesPerFile = 10_000;
    private const int Users = 10;
    private const int MessagesPerConversation = 100;

    private static readonly (string Name, string Query)[] s_queries =
    [
        ("a rare word", Vocabulary.Rare),
        ("a topic word", "postgres"),
        ("a common word", "people"),
        ("two words", "berlin tokyo"),
        ("a phrase", "\"pasta garlic\""),
        ("a word, leaving one out", "dragon -castle"),
    ];

    public static async Task<SearchResult> RunAsync(ChatBenchmarkContext chat)
    {
        var settings = chat.Settings;
        var client = chat.Nearest.Client;
        var archives = new ConversationArchiveService.ConversationArchiveServiceClient(chat.Nearest.Channel);
        var users = await BenchmarkUser.SignUpManyAsync(chat.Auth, Users, CancellationToken.None);
        var searcher = users[0];

        // Every user's share in files of MessagesPerFile, the searcher's counted as they are made.
        var perUser = settings.SearchMessages / Users / MessagesPerFile * MessagesPerFile;
        var files = perUser / MessagesPerFile;
        var matches = new int[s_queries.Length];
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"search: importing {perUser * Users:N0} messages in {files * Users} files"));
        var clock = Stopwatch.StartNew();
        await Parallel.ForAsync(0, files * Users, new ParallelOptions { MaxDegreeOfParallelism = 2 }, async (file, ct) =>
        {
            var user = users[file % Users];
            var words = new Vocabulary(seed: file);
            var archive = words.Archive(file, MessagesPerFile / MessagesPerConversation, MessagesPerConversation,
                user == searcher ? text => Count(matches, text) : null);
            var response = await archives.ImportConversationsAsync(
                new ImportConversationsRequest { Format = ImportFormat.Gochatai, File = ByteString.CopyFromUtf8(JsonFormatter.Default.Format(archive)) },
                await user.HeadersAsync(), cancellationToken: ct);
            if (response.RefusedCount > 0 || response.ImportedCount != archive.Conversations.Count)
            {
                throw new InvalidOperationException($"An import of {archive.Conversations.Count} conversations imported {response.ImportedCount}: " +
                    response.Items.FirstOrDefault(i => i.Outcome == ImportOutcome.Refused)?.Reason);
            }
        });
        var import = clock.Elapsed;

        async Task SearchAsync(string query, CancellationToken ct) =>
            await client.SearchConversationsAsync(new SearchConversationsRequest { Query = query, Limit = 20 }, await searcher.HeadersAsync(), cancellationToken: ct);

        Console.Error.WriteLine("search: each query from one caller, then all of them from many");
        var rows = new List<SearchRow>();
        for (var i = 0; i < s_queries.Length; i++)
        {
            var (name, query) = s_queries[i];
            rows.Add(new SearchRow(await LoadRunner.RunAsync($"{name}: `{query}`", 1, settings.Duration, ct => SearchAsync(query, ct)), matches[i], 1));
        }

        var next = 0;
        rows.Add(new SearchRow(
            await LoadRunner.RunAsync("all of the above in turn", settings.Concurrency, settings.Duration,
                ct => SearchAsync(s_queries[(Interlocked.Increment(ref next) & int.MaxValue) % s_queries.Length].Query, ct)),
            matches.Sum(), settings.Concurrency));
        return new SearchResult((long)perUser * Users, Users, files * Users, import, rows, chat.Nearest.Name, await MeasureWholeAsync(chat, searcher));
    }

    /// <summary>
    /// One of the searcher's conversations (100 messages) read whole: through a share link, as anyone reads it (REST,
    /// no token), and exported (the gRPC stream), beside the floor at the same number of callers.
    /// </summary>
    private static async Task<IReadOnlyList<ScenarioResult>> MeasureWholeAsync(ChatBenchmarkContext chat, BenchmarkUser owner)
    {
        var settings = chat.Settings;
        var client = chat.Nearest.Client;
        var archives = new ConversationArchiveService.ConversationArchiveServiceClient(chat.Nearest.Channel);
        var conversation = (await client.ListConversationsAsync(new ListConversationsRequest { Limit = 1 }, await owner.HeadersAsync())).Conversations[0];
        var link = await client.CreateShareLinkAsync(new CreateShareLinkRequest { ConversationId = conversation.Id }, await owner.HeadersAsync());
        using var anonymous = new HttpClient { BaseAddress = chat.RestAddress };

        Console.Error.WriteLine("search: a conversation whole, shared and exported");
        return
        [
            await chat.RunFloorAsync(owner),
            await LoadRunner.RunAsync(string.Create(CultureInfo.InvariantCulture,
                $"GetSharedConversation, {conversation.MessageCount} messages, no token (REST, {chat.RestAddress.Authority})"),
                settings.Concurrency, settings.Duration, async ct =>
                {
                    using var response = await anonymous.GetAsync(link.Path, ct);
                    response.EnsureSuccessStatusCode();
                    await response.Content.CopyToAsync(Stream.Null, ct);
                }),
            await LoadRunner.RunAsync(string.Create(CultureInfo.InvariantCulture,
                $"ExportConversations, one conversation of {conversation.MessageCount} messages (gRPC stream), {chat.Nearest.Name}"),
                settings.Concurrency, settings.Duration, async ct =>
                {
                    using var export = archives.ExportConversations(new ExportConversationsRequest { ConversationId = conversation.Id }, await owner.HeadersAsync(), cancellationToken: ct);
                    while (await export.ResponseStream.MoveNext(ct))
                    {
                    }
                }),
        ];
    }

    /// <summary>Counts a message of the searcher's against each query it matches (as its words, not stemmed: the queries' words stem to themselves or alike).</summary>
    private static void Count(int[] matches, string[] words)
    {
        bool Has(string word) => Array.IndexOf(words, word) >= 0;
        bool Phrase(string first, string second)
        {
            for (var i = 0; i + 1 < words.Length; i++)
            {
                if (words[i] == first && words[i + 1] == second)
                {
                    return true;
                }
            }

            return false;
        }

        bool[] hits =
        [
            Has(Vocabulary.Rare), Has("postgres"), Has("people"), Has("berlin") && Has("tokyo"), Phrase("pasta", "garlic"), Has("dragon") && !Has("castle"),
        ];
        for (var i = 0; i < hits.Length; i++)
        {
            if (hits[i])
            {
                Interlocked.Increment(ref matches[i]);
            }
        }
    }

    /// <summary>Words drawn with the frequencies of real text (Zipf's law): common English words first, then topics, then made-up words.</summary>
    private sealed class Vocabulary(int seed)
    {
        // A made-up word far down the list: in about one message of ten thousand.
        public const string Rare = "zovaketu";

        private static readonly string[] s_words = BuildWords();
        private static readonly double[] s_cumulative = BuildCumulative();
        private readonly Random _random = new(seed);

        public ConversationArchive Archive(int file, int conversations, int messagesEach, Action<string[]>? onMessage)
        {
            var archive = new ConversationArchive { Format = "gochatai.conversations", Version = 1, ExportedAt = Timestamp.FromDateTime(DateTime.UtcNow) };
            var start = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddDays(file);
            for (var c = 0; c < conversations; c++)
            {
                var created = start.AddMinutes(c * 7);
                var conversation = new Conversation
                {
                    Id = Guid.NewGuid().ToString(),
                    Title = string.Join(' ', Draw(4)),
                    Model = "bench-model",
                    CreatedAt = Timestamp.FromDateTime(created),
                    UpdatedAt = Timestamp.FromDateTime(created),
                };
                var exported = new ExportedConversation { Conversation = conversation };
                var parent = "";
                for (var m = 0; m < messagesEach; m++)
                {
                    var user = m % 2 == 0;
                    var words = Draw(user ? _random.Next(5, 26) : _random.Next(30, 121));
                    onMessage?.Invoke(words);
                    var message = new Message
                    {
                        Id = Guid.NewGuid().ToString(),
                        ConversationId = conversation.Id,
                        ParentId = parent,
                        Role = user ? Role.User : Role.Assistant,
                        Content = string.Join(' ', words),
                        Model = user ? "" : "bench-model",
                        FinishReason = user ? FinishReason.Unspecified : FinishReason.Stop,
                        Status = MessageStatus.Finished,
                        CreatedAt = Timestamp.FromDateTime(created.AddSeconds(m)),
                    };
                    exported.Messages.Add(message);
                    parent = message.Id;
                }

                conversation.ActiveLeafId = parent;
                archive.Conversations.Add(exported);
            }

            return archive;
        }

        private string[] Draw(int count)
        {
            var words = new string[count];
            for (var i = 0; i < count; i++)
            {
                var at = Array.BinarySearch(s_cumulative, _random.NextDouble() * s_cumulative[^1]);
                words[i] = s_words[at < 0 ? Math.Min(~at, s_words.Length - 1) : at];
            }

            return words;
        }

        private static string[] BuildWords()
        {
            const string common = "the be to of and a in that have i it for not on with he as you do at this but his by from they we say her she or an will my one all would there their what so up out if about who get which go me when make can like time no just him know take people into year your good some could them see other than then now look only come its over think also back after use two how our work first well way even new want because any these give day most us";
            const string topics = "postgres index query database redis cache kubernetes docker python rust golang javascript typescript react blazor aspnet dotnet grpc protobuf json yaml http latency throughput memory thread async await token model prompt embedding vector search ranking snippet highlight recipe pasta garlic tomato basil travel paris berlin tokyo flight hotel budget invoice contract lawyer tax mortgage running marathon training knee injury guitar chord melody poem story novel chapter character dragon castle galaxy planet orbit physics quantum entropy biology protein enzyme garden soil compost";
            var made = new Random(7);
            const string consonants = "bcdfghjklmnprstvz", vowels = "aeiou";
            var madeUp = Enumerable.Range(0, 30_000).Select(_ =>
            {
                var word = new StringBuilder();
                for (var s = made.Next(2, 5); s > 0; s--)
                {
                    word.Append(consonants[made.Next(consonants.Length)]).Append(vowels[made.Next(vowels.Length)]);
                }

                return word.ToString();
            });
            var words = common.Split(' ').Concat(topics.Split(' ')).Concat(madeUp).Distinct().ToList();
            // The rare word sits where one message in about ten thousand draws it.
            words.Remove(Rare);
            words.Insert(8_000, Rare);
            return [.. words];
        }

        private static double[] BuildCumulative()
        {
            var cumulative = new double[s_words.Length];
            var total = 0.0;
            for (var i = 0; i < cumulative.Length; i++)
            {
                total += 1.0 / Math.Pow(i + 1, 1.05);
                cumulative[i] = total;
            }

            return cumulative;
        }
    }
}
