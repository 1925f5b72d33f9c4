extern alias chatservice;

using chatservice::GoChatAi.ChatService.Application;
using chatservice::GoChatAi.ChatService.Application.Feeds;
using chatservice::GoChatAi.ChatService.Infrastructure.Redis;
using GoChatAi.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace GoChatAi.Tests.EndToEnd;

/// <summary>
/// The feed's scripts on the stack's own cache server (Garnet or Redis): batches as load makes them, and the places
/// a generation's lease reserves.
/// </summary>
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

    [Fact]
    public async Task While_a_lease_holds_reserved_places_readers_see_no_further_than_its_events_written_and_its_last_event_ends_it()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(await fixture.App.GetConnectionStringAsync("cache") ?? "");
        var options = Options.Create(new ChatOptions());
        var feed = new ConversationFeed(redis, options, TimeProvider.System);
        var leases = new GenerationLeases(redis, options, TimeProvider.System);
        Guid conversation = Guid.CreateVersion7(), answer = Guid.CreateVersion7(), other = Guid.CreateVersion7();

        var lease = await leases.TryAcquireAsync(conversation, answer) ?? throw new InvalidOperationException("The conversation is free.");
        Assert.Equal(GenerationLeases.ReservedSequences, lease.LastReserved - lease.SequenceBefore);
        Assert.Null(await leases.TryAcquireAsync(conversation, other));

        // Written meanwhile by another writer: after the reserved places, so hidden until they are written.
        var meanwhile = await feed.AppendAsync(conversation, new AnswerDelta(other, "meanwhile"));
        Assert.True(meanwhile.Sequence > lease.LastReserved);
        var first = await feed.AppendAsync([new FeedAppend(conversation, [new AnswerDelta(answer, "One")], lease.SequenceBefore + 1)]);
        Assert.Equal(lease.SequenceBefore + 1, first[0].Sequence);
        Assert.Equal([new AnswerDelta(answer, "One")], await feed.ReadGenerationAsync(conversation, answer));
        Assert.Empty(await feed.ReadGenerationAsync(conversation, other));

        ConversationEvent last = new AnswerCompleted(answer, Guid.CreateVersion7(), null, null);
        await feed.AppendAsync([new FeedAppend(conversation, [new AnswerDelta(answer, " two"), last], lease.SequenceBefore + 2, EndsLease: answer)]);

        Assert.Null(await leases.GetRunningAsync(conversation));
        Assert.Equal([new AnswerDelta(answer, "One"), new AnswerDelta(answer, " two"), last], await feed.ReadGenerationAsync(conversation, answer));
        Assert.Equal([new AnswerDelta(other, "meanwhile")], await feed.ReadGenerationAsync(conversation, other));
        // A renewal already on its way when the last event was written does not take the lease again.
        var held = await leases.RenewAsync([lease]);
        Assert.Equal([false], held);
        Assert.Null(await leases.GetRunningAsync(conversation));

        await feed.DeleteAsync(conversation);
    }
}
