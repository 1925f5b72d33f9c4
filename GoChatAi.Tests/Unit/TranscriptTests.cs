using GoChatAi.Contracts.Chat.V1;
using GoChatAi.Web.Backend;
using GoChatAi.Web.Conversations;

namespace GoChatAi.Tests.Unit;

/// <summary>The page's view of a conversation, built from its feed: each piece of text shown once, however it arrived.</summary>
public sealed class TranscriptTests
{
    private const string ConversationId = "0b8f0c7e-8d1a-4a57-9f3e-2f7f6f1c9a10";
    private const string GenerationId = "1c9f0c7e-8d1a-4a57-9f3e-2f7f6f1c9a11";
    private const string UserMessageId = "2d8f0c7e-8d1a-4a57-9f3e-2f7f6f1c9a12";
    private const string AnswerId = "3e8f0c7e-8d1a-4a57-9f3e-2f7f6f1c9a13";

    [Fact]
    public void A_new_conversations_events_show_the_message_and_the_answer_as_it_grows()
    {
        var transcript = new Transcript();
        TranscriptTurn? answer = null;
        var grew = 0;

        var changes = AnAnswer("Hello", " there").Select(chatEvent =>
        {
            var change = transcript.Apply(chatEvent);
            if (answer is null && transcript.RunningAnswer is { } running)
            {
                answer = running;
                answer.TextGrew += () => grew++;
            }

            return change;
        }).ToList();

        // Only the text's growth is left to the answer's own view; the page redraws for the turns.
        Assert.Equal([TranscriptChange.Turns, TranscriptChange.Turns, TranscriptChange.AnswerText, TranscriptChange.AnswerText, TranscriptChange.Turns], changes);
        Assert.Equal(2, grew);
        Assert.Equal(ConversationId, transcript.ConversationId);
        Assert.Collection(transcript.Turns,
            user => Assert.Equal(("Hi", Role.User), (user.Text, user.Role)),
            answer => Assert.Equal(("Hello there", false, FinishReason.Stop), (answer.Text, answer.IsGenerating, answer.FinishReason)));
        Assert.Null(transcript.RunningAnswer);
        Assert.Equal("cursor-5", transcript.LastCursor);
    }

    [Fact]
    public void An_event_applied_twice_changes_nothing()
    {
        var transcript = new Transcript();
        var events = AnAnswer("Hello", " there");

        foreach (var chatEvent in events)
        {
            transcript.Apply(chatEvent);
        }

        Assert.All(events, chatEvent => Assert.Equal(TranscriptChange.None, transcript.Apply(chatEvent)));

        Assert.Equal("Hello there", transcript.Turns[1].Text);
    }

    [Fact]
    public void A_running_answer_replayed_from_its_start_after_a_reload_is_rebuilt_not_repeated()
    {
        // The history read on reload holds the answer as far as it was stored; the feed then replays it from its start.
        var history = new[]
        {
            new Message { Id = UserMessageId, ConversationId = ConversationId, Role = Role.User, Content = "Hi", Status = MessageStatus.Finished },
            new Message { Id = AnswerId, ConversationId = ConversationId, Role = Role.Assistant, Content = "Hello", Status = MessageStatus.Generating, GenerationId = GenerationId },
        };
        var transcript = Transcript.Of(ConversationId, new HistoryPage(history, EarlierPageToken: null));
        Assert.Same(transcript.Turns[1], transcript.RunningAnswer);

        foreach (var chatEvent in AnAnswer("Hello", " there").Skip(1))
        {
            transcript.Apply(chatEvent);
        }

        Assert.Equal(2, transcript.Turns.Count);
        Assert.Equal("Hello there", transcript.Turns[1].Text);
        Assert.False(transcript.Turns[1].IsGenerating);
    }

    [Fact]
    public void A_stopped_answer_keeps_its_text_and_a_failed_one_says_why()
    {
        var stopped = new Transcript();
        foreach (var chatEvent in AnAnswer("Hel").SkipLast(1))
        {
            stopped.Apply(chatEvent);
        }

        stopped.Apply(Event(9, GenerationId, e => e.Completed = new GenerationCompleted { MessageId = AnswerId, FinishReason = FinishReason.Cancelled }));
        Assert.Equal(("Hel", FinishReason.Cancelled, false), (stopped.Turns[1].Text, stopped.Turns[1].FinishReason, stopped.Turns[1].IsGenerating));

        var failed = new Transcript();
        foreach (var chatEvent in AnAnswer("Hel").SkipLast(1))
        {
            failed.Apply(chatEvent);
        }

        failed.Apply(Event(9, GenerationId, e => e.Failed = new GenerationFailed
        {
            MessageId = AnswerId,
            Code = Google.Rpc.Code.Unavailable,
            Message = "The model provider is unavailable.",
        }));
        Assert.Equal(("Hel", "The model provider is unavailable."), (failed.Turns[1].Text, failed.Turns[1].Problem));
    }

    [Fact]
    public void Earlier_messages_go_before_the_ones_shown_once_each_until_the_first()
    {
        Message Said(int i) => new() { Id = $"00000000-0000-0000-0000-{i:D12}", ConversationId = ConversationId, Role = Role.User, Content = $"message {i}" };
        var transcript = Transcript.Of(ConversationId, new HistoryPage([Said(3), Said(4)], EarlierPageToken: "before-3"));

        // The older page may overlap what is shown (a message stored meanwhile moves the pages): each is shown once.
        transcript.AddEarlier(new HistoryPage([Said(1), Said(2), Said(3)], EarlierPageToken: null));

        Assert.Equal(["message 1", "message 2", "message 3", "message 4"], transcript.Turns.Select(turn => turn.Text));
        Assert.Null(transcript.EarlierPageToken);
    }

    [Fact]
    public void Another_conversations_events_are_not_shown()
    {
        var transcript = Transcript.Of(ConversationId, new HistoryPage([], EarlierPageToken: null));

        var foreign = Event(1, "", e => e.MessageCreated = new MessageCreated
        {
            Message = new Message { Id = UserMessageId, ConversationId = "4f8f0c7e-8d1a-4a57-9f3e-2f7f6f1c9a14", Role = Role.User, Content = "Hi" },
        });
        foreign.ConversationId = "4f8f0c7e-8d1a-4a57-9f3e-2f7f6f1c9a14";

        Assert.Equal(TranscriptChange.None, transcript.Apply(foreign));
        Assert.Empty(transcript.Turns);
    }

    private static List<ChatEvent> AnAnswer(params string[] pieces)
    {
        var events = new List<ChatEvent>
        {
            Event(1, "", e => e.MessageCreated = new MessageCreated
            {
                Message = new Message { Id = UserMessageId, ConversationId = ConversationId, Role = Role.User, Content = "Hi", Status = MessageStatus.Finished },
            }),
            Event(2, GenerationId, e => e.GenerationStarted = new GenerationStarted
            {
                Message = new Message
                {
                    Id = AnswerId, ConversationId = ConversationId, Role = Role.Assistant, Status = MessageStatus.Generating, GenerationId = GenerationId,
                },
            }),
        };
        events.AddRange(pieces.Select((piece, i) => Event(3 + i, GenerationId, e => e.Delta = new ContentDelta { Text = piece })));
        events.Add(Event(3 + pieces.Length, GenerationId, e => e.Completed = new GenerationCompleted { MessageId = AnswerId, FinishReason = FinishReason.Stop }));
        return events;
    }

    private static ChatEvent Event(long sequence, string generationId, Action<ChatEvent> set)
    {
        var chatEvent = new ChatEvent { Sequence = sequence, Cursor = $"cursor-{sequence}", ConversationId = ConversationId, GenerationId = generationId };
        set(chatEvent);
        return chatEvent;
    }
}
