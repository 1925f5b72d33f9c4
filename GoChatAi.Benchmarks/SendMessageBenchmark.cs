using System.Globalization;
using GoChatAi.Contracts.Chat.V1;

namespace GoChatAi.Benchmarks;

/// <summary>
/// How many messages SendMessage stores a second: spread over many conversations (many users writing at once),
/// and all into one (one busy conversation, whose counters every write moves); then ListConversations as a sidebar
/// asks for it (archived ones hidden), and its pinned ones.
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

        Console.Error.WriteLine("send: the floor, then SendMessage over many conversations, then into one, then ListConversations");
        var floor = await chat.RunFloorAsync(chat.UserFor(0));
        var spread = await LoadRunner.RunAsync(string.Create(CultureInfo.InvariantCulture, $"SendMessage over {Conversations} conversations, {chat.Nearest.Name}"),
            settings.Concurrency, settings.Duration, ct => SendAsync(Interlocked.Increment(ref next) % Conversations, ct));
        var intoOne = await LoadRunner.RunAsync($"SendMessage into one conversation, {chat.Nearest.Name}",
            settings.Concurrency, settings.Duration, ct => SendAsync(0, ct));

        // The first user's conversations, a third archived and a third pinned: the list as a chat's sidebar asks for it.
        var owner = chat.UserFor(0);
        var owned = Enumerable.Range(0, Conversations).Where(i => chat.UserFor(i) == owner).Select(i => pool[i]).ToList();
        for (var i = 0; i < owned.Count; i++)
        {
            var update = new UpdateConversationRequest { ConversationId = owned[i] };
            if (i % 3 == 1)
            {
                update.Archived = true;
            }
            else if (i % 3 == 2)
            {
                update.Pinned = true;
            }
            else
            {
                continue;
            }

            await client.UpdateConversationAsync(update, await owner.HeadersAsync());
        }

        async Task ListAsync(bool? pinned, CancellationToken ct)
        {
            var request = new ListConversationsRequest { Limit = 20 };
            if (pinned is { } only)
            {
                request.Pinned = only;
            }

            await client.ListConversationsAsync(request, await owner.HeadersAsync(), cancellationToken: ct);
        }

        return
        [
            floor,
            spread,
            intoOne,
            await LoadRunner.RunAsync(string.Create(CultureInfo.InvariantCulture,
                $"ListConversations, a page of 20 of {owned.Count} (a third archived, hidden), {chat.Nearest.Name}"),
                settings.Concurrency, settings.Duration, ct => ListAsync(null, ct)),
            await LoadRunner.RunAsync($"ListConversations, the pinned ones, {chat.Nearest.Name}",
                settings.Concurrency, settings.Duration, ct => ListAsync(true, ct)),
        ];
    }
}
