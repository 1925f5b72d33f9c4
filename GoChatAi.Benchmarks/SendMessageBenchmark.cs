using System.Globalization;
using GoChatAi.Contracts.Chat.V1;

namespace GoChatAi.Benchmarks;

/// <summary>
/// How many messages SendMessage stores a second: spread over many conversations (many users writing at once),
/// and all into one (one busy conversation, whose counters every write moves).
/// </summary>
public static class SendMessageBenchmark
{
    private const int Conversations = 256;

    public static async Task<IReadOnlyList<ScenarioResult>> RunAsync(ChatBenchmarkContext chat)
    {
        var settings = chat.Settings;
        var client = chat.Nearest.Client;
        var pool = new string[Conversations];
        await Parallel.ForAsync(0, Conversations, new ParallelOptions { MaxDegreeOfParallelism = settings.Concurrency },
            async (i, ct) => pool[i] = await chat.CreateConversationAsync(chat.UserFor(i), "Benchmark: SendMessage", ct));
        var next = 0;

        async Task SendAsync(int conversation, CancellationToken ct) =>
            await client.SendMessageAsync(new SendMessageRequest
            {
                ConversationId = pool[conversation],
                Content = "A message of ordinary length, as people write in a chat.",
            }, await chat.UserFor(conversation).HeadersAsync(), cancellationToken: ct);

        Console.Error.WriteLine("send: the floor, then SendMessage over many conversations, then into one");
        return
        [
            await chat.RunFloorAsync(chat.UserFor(0)),
            await LoadRunner.RunAsync(string.Create(CultureInfo.InvariantCulture, $"SendMessage over {Conversations} conversations, {chat.Nearest.Name}"),
                settings.Concurrency, settings.Duration, ct => SendAsync(Interlocked.Increment(ref next) % Conversations, ct)),
            await LoadRunner.RunAsync($"SendMessage into one conversation, {chat.Nearest.Name}",
                settings.Concurrency, settings.Duration, ct => SendAsync(0, ct)),
        ];
    }
}
