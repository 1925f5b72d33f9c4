using GoChatAi.Contracts.Chat.V1;
using GoChatAi.Web.Backend;

namespace GoChatAi.Web.Conversations;

/// <summary>
/// The messages a page shows of one conversation, kept up to date from its feed's events. Applying an event twice
/// changes nothing, and a generation's events replayed from its start (how a reloaded page picks up a running answer)
/// rebuild its text rather than add to it: the page shows each piece of text once, whichever way it arrived.
/// </summary>
public sealed class Transcript
{
    private readonly List<TranscriptTurn> _turns = [];
    private readonly HashSet<long> _applied = [];

    public IReadOnlyList<TranscriptTurn> Turns => _turns;

    /// <summary>The conversation the events belong to; empty until a new conversation's first event says which.</summary>
    public string ConversationId { get; private set; } = "";

    /// <summary>The last event's cursor: where to resume the feed if the stream breaks.</summary>
    public string? LastCursor { get; private set; }

    /// <summary>The answer being written, if one is.</summary>
    public TranscriptTurn? RunningAnswer => _turns.LastOrDefault(turn => turn.IsGenerating);

    /// <summary>Where the page of older messages starts, if there are older messages than the page shows.</summary>
    public string? EarlierPageToken { get; private set; }

    /// <summary>The conversation as its newest page of history shows it.</summary>
    public static Transcript Of(string conversationId, HistoryPage newest)
    {
        var transcript = new Transcript { ConversationId = conversationId };
        transcript.AddEarlier(newest);
        return transcript;
    }

    /// <summary>Puts a page of older messages before the ones shown.</summary>
    public void AddEarlier(HistoryPage page)
    {
        var shown = _turns.Select(turn => turn.Id).ToHashSet();
        _turns.InsertRange(0, page.Messages
            .Where(m => m.Role is Role.User or Role.Assistant && !shown.Contains(m.Id))
            .Select(TranscriptTurn.From));
        EarlierPageToken = page.EarlierPageToken;
    }

    /// <summary>
    /// Applies one event of the conversation's feed and says what it changed: nothing (another conversation's, or
    /// applied already), only the running answer's text (which its turn announces, <see cref="TranscriptTurn.TextGrew"/>),
    /// or the turns themselves.
    /// </summary>
    public TranscriptChange Apply(ChatEvent chatEvent)
    {
        if (ConversationId.Length > 0 && chatEvent.ConversationId != ConversationId)
        {
            return TranscriptChange.None;
        }

        ConversationId = chatEvent.ConversationId;
        LastCursor = chatEvent.Cursor;
        if (!_applied.Add(chatEvent.Sequence))
        {
            return TranscriptChange.None;
        }

        switch (chatEvent.EventCase)
        {
            case ChatEvent.EventOneofCase.MessageCreated:
                Upsert(TranscriptTurn.From(chatEvent.MessageCreated.Message));
                break;
            case ChatEvent.EventOneofCase.GenerationStarted:
                // The answer as stored at its start: a replay from the start rebuilds the text from its deltas.
                Upsert(TranscriptTurn.From(chatEvent.GenerationStarted.Message));
                break;
            case ChatEvent.EventOneofCase.Delta when AnswerOf(chatEvent.GenerationId) is { } answer:
                answer.Append(chatEvent.Delta.Text);
                return TranscriptChange.AnswerText;
            case ChatEvent.EventOneofCase.Completed when AnswerOf(chatEvent.GenerationId) is { } answer:
                answer.IsGenerating = false;
                answer.FinishReason = chatEvent.Completed.FinishReason;
                break;
            case ChatEvent.EventOneofCase.Failed when AnswerOf(chatEvent.GenerationId) is { } answer:
                answer.IsGenerating = false;
                answer.FinishReason = FinishReason.Incomplete;
                answer.Problem = ProblemMessage.ForGeneration(chatEvent.Failed.Code, chatEvent.Failed.Message);
                break;
        }

        return TranscriptChange.Turns;
    }

    /// <summary>
    /// Takes a message and everything after it off the page: a new version of it (regenerated or edited) is about to
    /// stream in its place. The old one stays in the conversation, on its own branch.
    /// </summary>
    public void Replace(string messageId)
    {
        var index = _turns.FindIndex(turn => turn.Id == messageId);
        if (index >= 0)
        {
            _turns.RemoveRange(index, _turns.Count - index);
        }
    }

    private TranscriptTurn? AnswerOf(string generationId) =>
        _turns.LastOrDefault(turn => turn.GenerationId == generationId && generationId.Length > 0);

    private void Upsert(TranscriptTurn turn)
    {
        var index = _turns.FindIndex(existing => existing.Id == turn.Id);
        if (index >= 0)
        {
            _turns[index] = turn;
        }
        else
        {
            _turns.Add(turn);
        }
    }
}

/// <summary>What an event changed on the page.</summary>
public enum TranscriptChange
{
    None,

    /// <summary>Only the running answer's text: its own view redraws, not the page.</summary>
    AnswerText,

    /// <summary>A message came, an answer started or ended.</summary>
    Turns,
}
