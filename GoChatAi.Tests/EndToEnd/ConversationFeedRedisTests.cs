extern alias chatservice;

using chatservice::GoChatAi.ChatService.Application;
using chatservice::GoChatAi.ChatService.Application.Feeds;
using chatservice::GoChatAi.ChatService.Infrastructure.Redis;
using GoChatAi.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace GoChatAi.Tests.EndToEnd;

/// <summary>The feed's append script on the stack's own cache server (Garnet or Redis), with batches as load makes them.</summary>
[Collection(GoChatAiAppCollection.Name)]
public sealed class ConversationFeedRedisTests(GoChatAiAppFixture fixture)
{
    [Fact]
    public async Task A_batch_with_more_events_of_one_conversation_than_one_command_takes_keeps_them_all_in_order()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(await fixture.App.GetConnectionStringAsync("cache") ?? "");
        var feed = new ConversationFeed(redis, Options.Create(new ChatOptions()), TimeProvider.System);
        Guid busy = Guid.CreateVersion7(), quiet = Guid.CreateVersion7(), answer = Guid.CreateVersion7(), other = Guid.CreateVersion7();
        List<ConversationEvent> pieces = [.. Enumerable.Range(0, 5_000).Select(i => new AnswerDelta(answer, $" w{i}"))];

        var entries = await feed.AppendAsync([new FeedAppend(busy, pieces), new FeedAppend(quiet, [new AnswerDelta(other, "alone")])]);

        Assert.Equal(5_001, entries.Count);
        var busyEntries = entries.Take(5_000).ToList();
        Assert.Equal(pieces, busyEntries.Select(entry => entry.Event));
        Assert.All(busyEntries.Zip(busyEntries.Skip(1)), pair => Assert.Equal(pair.First.Sequence + 1, pair.Second.Sequence));
        Assert.Equal(pieces, await feed.ReadGenerationAsync(busy, answer));
        Assert.Equal([new AnswerDelta(other, "alone")], await feed.ReadGenerationAsync(quiet, other));
        Assert.Equal(busyEntries[^1].Sequence, await feed.LastSequenceAsync(busy));

        await feed.DeleteAsync(busy);
        await feed.DeleteAsync(quiet);
    }
}
