extern alias chatservice;

using chatservice::GoChatAi.ChatService.Application;
using chatservice::GoChatAi.ChatService.Application.Feeds;
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

    /// <summary>An event of another conversation is being written while the test queues the rest behind it.</summary>
    private async Task HoldTheFeedAsync(RecordingSink sink)
    {
        _feed.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _writer.Enqueue(Guid.CreateVersion7(), new AnswerDelta(Guid.CreateVersion7(), "In flight"), sink);
        await _feed.Holding.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private static List<string> Describe(IEnumerable<FeedEntry> entries) =>
        [.. entries.Select(entry => entry.Event is AnswerDelta delta ? delta.Text : entry.Event is AnswerCompleted ? "Completed" : entry.Event.GetType().Name)];

    private sealed class RecordingSink : IFeedEventSink
    {
        private readonly Lock _gate = new();
        private readonly List<FeedEntry> _written = [];

        public IReadOnlyList<FeedEntry> Entries
        {
            get
            {
                lock (_gate)
                {
                    return [.. _written];
                }
            }
        }

        public void Written(FeedEntry entry)
        {
            lock (_gate)
            {
                _written.Add(entry);
            }
        }

        public void NotWritten(Guid conversationId, ConversationEvent chatEvent, Exception exception) =>
            throw new InvalidOperationException("The fake feed takes every event.", exception);

        public async Task WaitForAsync(int count)
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (Entries.Count < count)
            {
                await Task.Delay(10, deadline.Token);
            }
        }
    }
}
