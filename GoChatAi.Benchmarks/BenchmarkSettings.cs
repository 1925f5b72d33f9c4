namespace GoChatAi.Benchmarks;

/// <summary>Where the stack listens and how hard to push it; the defaults are the AppHost's development ports.</summary>
public sealed record BenchmarkSettings(
    Uri AuthGrpc,
    Uri ChatGrpc,
    TimeSpan Duration,
    int Concurrency)
{
    public static BenchmarkSettings Parse(string[] args)
    {
        string Option(string name, string fallback)
        {
            var index = Array.IndexOf(args, "--" + name);
            return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
        }

        return new BenchmarkSettings(
            new Uri(Option("auth-grpc", "http://localhost:50051")),
            new Uri(Option("chat-grpc", "http://localhost:50052")),
            TimeSpan.FromSeconds(int.Parse(Option("seconds", "10"), System.Globalization.CultureInfo.InvariantCulture)),
            int.Parse(Option("concurrency", "16"), System.Globalization.CultureInfo.InvariantCulture));
    }
}
