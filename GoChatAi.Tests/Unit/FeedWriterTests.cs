extern alias chatservice;

using chatservice::GoChatAi.ChatService.Application;
using chatservice::GoChatAi.ChatService.Application.Feeds;
using chatservice::GoChatAi.ChatService.Domain;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace GoChatAi.Tests.Unit;

/// <summary>
/// The feed writer under load: events that wait together go in one round trip, and the pieces of one answer among
/// them become one piece with their text, in order, never across another event or another answer.
/// </summary>
public sealed class FeedWriterTests : IAsyncLifetime, IDisposable
{
    private readonly FakeConversationFeed _feed = new();
    private readonly FeedWriter _writer;

    public FeedWriterTests() =>
        _writer = new FeedWriter(_feed, new ChatMetrics(new TestMeterFactory()), new FakeTimeProvider(), NullLogger<FeedWriter>.Instance);

    public Task InitializeAsync() => _writer.StartAsync(CancellationToken.None);

    public Task DisposeAsync() => _writer.StopAsync(CancellationToken.None);

    public void Dispose() => _writer.Dispose();

    [Fact]
    public async Task Pieces_of_an_answer_that_waited_together_are_written_and_delivered_as_one_piece_with_their_text()
    {
        Guid first = Guid.CreateVersion7(), second = Guid.CreateVersion7(), answer = Guid.CreateVersion7(), other = Guid.CreateVersion7();
        var sink = new RecordingSink();

        await HoldTheFeedAsync(sink);
        _writer.Enqueue(first, new AnswerDelta(answer, "Once"), sink);
        _writer.Enqueue(first, new AnswerDelta(answer, " upon"), sink);
        _writer.Enqueue(second, new AnswerDelta(other, "Elsewhere"), sink);
        _writer.Enqueue(first, new AnswerDelta(answer, " a"), sink);
        _writer.Enqueue(first, new AnswerDelta(answer, " time"), sink);
        _writer.Enqueue(second, new AnswerDelta(other, ", too"), sink);
        _writer.Enqueue(first, new AnswerCompleted(answer, Guid.CreateVersion7(), null, null), sink);
        _writer.Enqueue(first, new AnswerDelta(answer, " (late)"), sink);
        _feed.Hold!.SetResult();
        await sink.WaitForAsync(count: 5);

        Assert.Equal(["Once upon a time", "Completed", " (late)"], Describe(_feed.EntriesOf(first)));
        Assert.Equal(["Elsewhere, too"], Describe(_feed.EntriesOf(second)));
        Assert.Equal([1L, 2, 3], _feed.EntriesOf(first).Select(entry => entry.Sequence));

        // The followers here get what the feed holds, with its places: the same text, no piece twice.
        Assert.Equal([.. _feed.EntriesOf(first), .. _feed.EntriesOf(second)],
            sink.Entries.Where(entry => entry.ConversationId == first || entry.ConversationId == second));
    }

    [Fact]
    public async Task Pieces_of_one_answer_join_only_while_no_other_answer_comes_between()
    {
        Guid conversation = Guid.CreateVersion7(), earlier = Guid.CreateVersion7(), later = Guid.CreateVersion7();
        var sink = new RecordingSink();

        await HoldTheFeedAsync(sink);
        _writer.Enqueue(conversation, new AnswerDelta(earlier, "a"), sink);
        _writer.Enqueue(conversation, new AnswerDelta(earlier, "b"), sink);
        _writer.Enqueue(conversation, new AnswerDelta(later, "c"), sink);
        _writer.Enqueue(conversation, new AnswerDelta(earlier, "d"), sink);
        _feed.Hold!.SetResult();
        await sink.WaitForAsync(count: 4);

        Assert.Equal(["ab", "c", "d"], Describe(_feed.EntriesOf(conversation)));
    }

    [Fact]
    public async Task An_event_alone_is_written_as_it_is()
    {
        var conversation = Guid.CreateVersion7();
        var sink = new RecordingSink();

        _writer.Enqueue(conversation, new AnswerDelta(Guid.CreateVersion7(), "One"), sink);
        await sink.WaitForAsync(count: 1);
        _writer.Enqueue(conversation, new AnswerDelta(sink.Entries[0].Event.GenerationId, " two"), sink);
        await sink.WaitForAsync(count: 2);

        Assert.Equal(["One", " two"], Describe(_feed.EntriesOf(conversation)));
    }

    [Fact]
    public async Task Events_with_reserved_places_reach_the_followers_before_the_feed_has_them_and_the_rest_once_it_has()
    {
        Guid conversation = Guid.CreateVersion7(), answer = Guid.CreateVersion7();
        var sink = new RecordingSink(reservedFrom: 101, reservedTo: 102, endsLease: true);

        _feed.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _writer.Enqueue(conversation, new AnswerDelta(answer, "One"), sink);
        await sink.WaitForAsync(count: 1);
        await _feed.Holding.Task.WaitAsync(TimeSpan.FromSeconds(10));

        // Delivered with its place while the feed is still being written.
        Assert.Equal([new FeedEntry(conversation, 101, new AnswerDelta(answer, "One"))], sink.Entries);
        Assert.Empty(_feed.EntriesOf(conversation));

        _writer.Enqueue(conversation, new AnswerDelta(answer, " two"), sink);
        _writer.Enqueue(conversation, new MessageStored(Snapshot(conversation)), sink);
        _writer.Enqueue(conversation, new AnswerCompleted(answer, Guid.CreateVersion7(), null, null), sink);
        _feed.Hold.SetResult();
        await sink.WaitForWrittenAsync(count: 4);

        // The second piece took the last reserved place; the places past it came from the feed, as written.
        Assert.Equal([101L, 102, 103, 104], _feed.EntriesOf(conversation).Select(entry => entry.Sequence));
        Assert.Equal(_feed.EntriesOf(conversation), sink.Entries);
        Assert.Equal(sink.Entries, sink.WrittenEntries);
        var appends = _feed.Appends.Where(append => append.ConversationId == conversation).ToList();
        Assert.Equal([(101L, 1, (Guid?)null), (102, 1, null), (0, 2, answer)],
            appends.Select(append => (append.FirstSequence, append.Events.Count, append.EndsLease)));
    }

    [Fact]
    public async Task A_batch_larger_than_a_round_trip_takes_goes_in_parts_with_each_conversation_whole_in_one()
    {
        var sink = new RecordingSink();
        var conversations = Enumerable.Range(0, FeedWriter.MaxEventsPerWrite + 100).Select(_ => Guid.CreateVersion7()).ToList();

        await HoldTheFeedAsync(sink);
        foreach (var conversation in conversations)
        {
            var answer = Guid.CreateVersion7();
            _writer.Enqueue(conversation, new AnswerDelta(answer, "Done"), sink);
            _writer.Enqueue(conversation, new AnswerCompleted(answer, Guid.CreateVersion7(), null, null), sink);
        }

        _feed.Hold!.SetResult();
        await sink.WaitForAsync(count: 1 + (2 * conversations.Count));

        var parts = _feed.RoundTrips.Skip(1).ToList();
        Assert.Equal(3, parts.Count);
        Assert.All(parts, part => Assert.InRange(part.Sum(append => append.Events.Count), 1, FeedWriter.MaxEventsPerWrite));
        Assert.All(conversations, conversation =>
        {
            Assert.Single(parts, part => part.Any(append => append.ConversationId == conversation));
            Assert.Equal(["Done", "Completed"], Describe(_feed.EntriesOf(conversation)));
        });
    }

    private static MessageSnapshot Snapshot(Guid conversation) =>
        MessageSnapshot.Of(Message.FromUser(conversation, "Meanwhile", 1, null, DateTimeOffset.UnixEpoch));

    /// <summary>An event of another conversation is being written while the test queues the rest behind it.</summary>
    private async Task HoldTheFeedAsync(RecordingSink sink)
    {
        _feed.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _writer.Enqueue(Guid.CreateVersion7(), new AnswerDelta(Guid.CreateVersion7(), "In flight"), sink);
        await _feed.Holding.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private static List<string> Describe(IEnumerable<FeedEntry> entries) =>
        [.. entries.Select(entry => entry.Event is AnswerDelta delta ? delta.Text : entry.Event is AnswerCompleted ? "Completed" : entry.Event.GetType().Name)];

    /// <summary>A generation's followers: what reached them (placed), and what the feed has confirmed (written).</summary>
    private sealed class RecordingSink(long reservedFrom = 0, long reservedTo = -1, bool endsLease = false) : IFeedEventSink
    {
        private readonly Lock _gate = new();
        private readonly List<FeedEntry> _placed = [];
        private readonly List<FeedEntry> _written = [];
        private long _next = reservedFrom;

        public IReadOnlyList<FeedEntry> Entries
        {
            get
            {
                lock (_gate)
                {
                    return [.. _placed];
                }
            }
        }

        public IReadOnlyList<FeedEntry> WrittenEntries
        {
            get
            {
                lock (_gate)
                {
                    return [.. _written];
                }
            }
        }

        public long TakeSequence() => _next <= reservedTo ? _next++ : 0;

        public bool EndsLease(ConversationEvent chatEvent) => endsLease && chatEvent.IsFinal;

        public void Placed(FeedEntry entry)
        {
            lock (_gate)
            {
                _placed.Add(entry);
            }
        }

        public void Written(FeedEntry entry)
        {
            lock (_gate)
            {
                _written.Add(entry);
            }
        }

        public void NotWritten(Guid conversationId, ConversationEvent chatEvent, bool placed, Exception exception) =>
            throw new InvalidOperationException("The fake feed takes every event.", exception);

        public Task WaitForAsync(int count) => WaitUntilAsync(() => Entries.Count >= count);

        public Task WaitForWrittenAsync(int count) => WaitUntilAsync(() => WrittenEntries.Count >= count);

        private static async Task WaitUntilAsync(Func<bool> condition)
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (!condition())
            {
                await Task.Delay(10, deadline.Token);
            }
        }
    }
}
