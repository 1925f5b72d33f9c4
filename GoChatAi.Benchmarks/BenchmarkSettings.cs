using System.Globalization;

namespace GoChatAi.Benchmarks;

/// <summary>The groups of figures the benchmark can take (<c>--only</c>).</summary>
[Flags]
public enum Suites
{
    None = 0,
    Auth = 1,
    Latency = 2,
    Capacity = 4,
    History = 8,
    Send = 16,
    Search = 32,
    Web = 64,
    Held = 128,
    Chat = Latency | Capacity | Held | History | Send | Search,
    All = Auth | Chat | Web,
}

/// <summary>Where the stack listens and how hard to push it; the defaults are the AppHost's development ports.</summary>
public sealed record BenchmarkSettings(
    Uri AuthGrpc,
    Uri ChatGrpc,
    Uri? ChatGrpcDirect,
    Uri ChatRest,
    Uri DevModel,
    string? DevModelKey,
    TimeSpan Duration,
    int Concurrency,
    Suites Only,
    IReadOnlyList<int> LatencyLevels,
    IReadOnlyList<int> StreamLevels,
    int HeldStreams,
    int HistoryMessages,
    int HistoryBranches,
    int SearchMessages,
    Uri Web,
    int WebAnswers)
{
    public const string Usage = """
        Measures the stack that `dotnet run --project GoChatAi.AppHost` brings up. Start it first, with a high
        per-user request limit (the chat figures send far more than the default 60 a minute of one user, and the
        AppHost's own environment reaches the services) and, for convenience, a fixed key for the stand-in model:

          Chat__RequestsPerMinute=1000000 dotnet run -c Release --project GoChatAi.AppHost -- --Parameters:devmodel-key=<any key>

        then, once `curl -s localhost:8081/health/ready` says Healthy:

          dotnet run -c Release --project GoChatAi.Benchmarks -- --devmodel-key <the same key>

        Without --Parameters:devmodel-key the AppHost makes a new key at every start: read it in the dashboard (the
        devmodel-key parameter, or Key= in the chatservice's ConnectionStrings__openai), or on Linux with
          tr '\0' '\n' < /proc/$(pgrep -f GoChatAi.ChatService | head -1)/environ | grep ConnectionStrings__openai

        Options (defaults in brackets):
          --auth-grpc URL          the AuthService's gRPC endpoint [http://localhost:50051]
          --chat-grpc URL          the ChatService's gRPC endpoint, through the AppHost's proxy [http://localhost:50052]
          --chat-grpc-direct URL   its own gRPC port, behind the proxy [found from its process's environment]
          --chat-rest URL          the ChatService's REST endpoint, read for /metrics [http://localhost:8081]
          --devmodel URL           the stand-in model, as the AppHost runs it [http://localhost:8090]
          --devmodel-key KEY       the stand-in's key (needed by the latency figures)
          --seconds N              seconds per timed scenario [10]
          --concurrency N          concurrent callers per scenario [16]
          --only LIST              auth, chat, or latency, capacity, held, history, send, search, web, comma-separated [all]
          --latency-levels LIST    streams at a time for the latency figures, comma-separated [1,16]
          --stream-levels LIST     streams started all at once, comma-separated, up to 5000 [100,1000]
          --held-streams N         long streams held open together, up to 5000 [5000]
          --history-messages N     messages in the GetHistory conversation [100000]
          --history-branches N     one-message branches then added off its path, 0 for none [1000]
          --search-messages N      messages imported for the search figures, a tenth of them the searcher's [1000000]
          --web URL                the web app, for Enter to first token on screen [http://localhost:8000]
          --web-answers N          answers timed in the browser, and as many over gRPC [40]
        The web figures drive Debian's chromium (apt-get install chromium; GOCHATAI_CHROMIUM names another).
        Every endpoint must be on this machine (localhost): a benchmark floods what it measures.
        """;

    private static readonly string[] _options =
    [
        "auth-grpc", "chat-grpc", "chat-grpc-direct", "chat-rest", "devmodel", "devmodel-key", "seconds", "concurrency", "only",
        "latency-levels", "stream-levels", "held-streams", "history-messages", "history-branches", "search-messages", "web", "web-answers",
    ];

    public bool Runs(Suites suite) => (Only & suite) != 0;

    public static BenchmarkSettings Parse(string[] args)
    {
        for (var i = 0; i < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || !_options.Contains(args[i][2..]) || i + 1 >= args.Length)
            {
                throw new BenchmarkSetupException($"Unknown option or missing value: '{args[i]}'.{Environment.NewLine}{Environment.NewLine}{Usage}");
            }
        }

        string? Option(string name)
        {
            var index = Array.IndexOf(args, "--" + name);
            return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
        }

        return new BenchmarkSettings(
            Local(Option("auth-grpc") ?? "http://localhost:50051"),
            Local(Option("chat-grpc") ?? "http://localhost:50052"),
            Option("chat-grpc-direct") is { } direct ? Local(direct) : null,
            Local(Option("chat-rest") ?? "http://localhost:8081"),
            Local(Option("devmodel") ?? "http://localhost:8090"),
            Option("devmodel-key"),
            TimeSpan.FromSeconds(Number(Option("seconds") ?? "10", "seconds", 1, 3600)),
            Number(Option("concurrency") ?? "16", "concurrency", 1, 1024),
            ParseSuites(Option("only") ?? "all"),
            [.. (Option("latency-levels") ?? "1,16").Split(',').Select(level => Number(level, "latency-levels", 1, 1024))],
            [.. (Option("stream-levels") ?? "100,1000").Split(',').Select(level => Number(level, "stream-levels", 1, 5000))],
            Number(Option("held-streams") ?? "5000", "held-streams", 1, 5000),
            // GetHistory takes offsets up to 1,000,000, so a deeper conversation could not be paged by offset.
            Number(Option("history-messages") ?? "100000", "history-messages", 200, 1_000_000),
            Number(Option("history-branches") ?? "1000", "history-branches", 0, 1_000_000),
            Number(Option("search-messages") ?? "1000000", "search-messages", SearchBenchmark.MessagesPerFile, 10_000_000),
            Local(Option("web") ?? "http://localhost:8000"),
            Number(Option("web-answers") ?? "40", "web-answers", 5, 10_000));
    }

    private static Uri Local(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.IsLoopback
            ? uri
            : throw new BenchmarkSetupException($"'{text}' is not an address on this machine: the benchmark only calls localhost.");

    private static int Number(string text, string option, int min, int max) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new BenchmarkSetupException($"--{option} takes a whole number from {min} to {max}, not '{text}'.");

    private static Suites ParseSuites(string text) =>
        text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Aggregate(Suites.None, (all, name) =>
            all | (Enum.TryParse<Suites>(name, ignoreCase: true, out var suite) && suite != Suites.None
                ? suite
                : throw new BenchmarkSetupException($"--only takes auth, chat, latency, capacity, held, history, send, search, web or all, not '{name}'.")));
}
