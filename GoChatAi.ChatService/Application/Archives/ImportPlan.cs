using GoChatAi.ChatService.Application.Commands;
using GoChatAi.ChatService.Domain;
using GoChatAi.ServiceDefaults;

namespace GoChatAi.ChatService.Application.Archives;

/// <summary>
/// A conversation of an imported file made ready to store whole: the conversation (new id, the caller's, its source),
/// its messages with new ids, each placed after its parent, in the order they are stored (parents first, siblings
/// oldest first, otherwise by time, as they would have been stored live), and the message shown last.
/// </summary>
public sealed record ImportPlan(Conversation Conversation, IReadOnlyList<Message> Messages, Guid ActiveLeafId)
{
    /// <summary>The longest message imported, in characters: far above what anyone types, below what harms.</summary>
    public const int MaxMessageLength = 1_000_000;

    /// <summary>
    /// Checks a draft as a tree and plans it, or says for people why it cannot be imported: no message, a message
    /// without a role here or too long or not text, two messages with one id, a message that follows one the
    /// conversation does not have, or messages that follow each other in a loop. A broken tree is refused, not
    /// repaired: guessing where a message belongs would show the user a conversation that never was.
    /// </summary>
    public static (ImportPlan? Plan, string? Refusal) Build(
        ConversationDraft draft, Guid userId, ImportSource source, ModelCatalog models, ITokenCounter tokens, DateTimeOffset now)
    {
        if (draft.Refusal is not null)
        {
            return (null, draft.Refusal);
        }

        if (draft.Messages.Count == 0)
        {
            return (null, "It has no message to import.");
        }

        var bySource = new Dictionary<string, int>(draft.Messages.Count, StringComparer.Ordinal);
        for (var i = 0; i < draft.Messages.Count; i++)
        {
            var message = draft.Messages[i];
            if (message.Role is not (MessageRole.User or MessageRole.Assistant))
            {
                return (null, $"Message {message.SourceId} is neither the user's nor the model's.");
            }

            if (message.Content.Length > MaxMessageLength)
            {
                return (null, $"Message {message.SourceId} is longer than {MaxMessageLength:N0} characters.");
            }

            if (!IsStorableText(message.Content))
            {
                return (null, $"Message {message.SourceId} is not valid text (it holds a NUL character or broken Unicode).");
            }

            if (!bySource.TryAdd(message.SourceId, i))
            {
                return (null, $"Two messages have the id {message.SourceId}.");
            }
        }

        // Children of each message (and of none, the first messages), in the file's order.
        var children = new List<int>?[draft.Messages.Count];
        var firsts = new List<int>();
        for (var i = 0; i < draft.Messages.Count; i++)
        {
            var parent = draft.Messages[i].ParentSourceId;
            if (parent is null)
            {
                firsts.Add(i);
            }
            else if (bySource.TryGetValue(parent, out var parentIndex))
            {
                (children[parentIndex] ??= []).Add(i);
            }
            else
            {
                return (null, $"Message {draft.Messages[i].SourceId} follows message {parent}, which the file does not have.");
            }
        }

        var createdAt = (draft.CreatedAt ?? draft.Messages.Min(m => m.CreatedAt) ?? now).ToStoredTime();
        var conversationId = Guid.CreateVersion7(createdAt);
        var times = draft.Messages.Select(m => (m.CreatedAt ?? createdAt).ToStoredTime()).ToArray();

        // Parents first; of the messages whose parent is stored, the oldest next (ties in the file's order): siblings
        // come oldest first, so that the oldest is the first follower, and positions follow time where the tree allows.
        var ready = new PriorityQueue<int, (DateTimeOffset, int)>();
        foreach (var first in firsts)
        {
            ready.Enqueue(first, (times[first], first));
        }

        var placed = new Message?[draft.Messages.Count];
        var ordered = new List<Message>(draft.Messages.Count);
        while (ready.TryDequeue(out var index, out _))
        {
            var drafted = draft.Messages[index];
            var message = Message.Imported(
                Guid.CreateVersion7(times[index]), conversationId, drafted.Role, drafted.Content, Truncate(drafted.Model, 200), drafted.FinishReason,
                drafted.PromptTokens, drafted.CompletionTokens, tokens.CountMessage(drafted.Content), times[index]);
            message.Place(drafted.ParentSourceId is null ? MessagePlace.First : placed[bySource[drafted.ParentSourceId]]!.Next);
            placed[index] = message;
            ordered.Add(message);
            foreach (var child in children[index] ?? [])
            {
                ready.Enqueue(child, (times[child], child));
            }
        }

        if (ordered.Count < draft.Messages.Count)
        {
            // What was never reached follows itself, through some chain.
            return (null, "Its messages follow each other in a loop.");
        }

        var activeLeaf = draft.ActiveLeafSourceId is { } leafSource && bySource.TryGetValue(leafSource, out var leafIndex)
            ? placed[leafIndex]!
            : NewestLeaf(ordered);
        var model = draft.Model is { } named && models.Find(named) is not null ? named : models.Default.Id;
        var conversation = Conversation.Imported(
            conversationId, userId, ImportedTitle(draft.Title), Truncate(draft.SystemPrompt, Conversation.MaxSystemPromptLength), model,
            createdAt, (draft.UpdatedAt ?? createdAt).ToStoredTime(), draft.Pinned, draft.Archived, SourceKey(source, draft.SourceId));
        return (new ImportPlan(conversation, ordered, activeLeaf.Id), null);
    }

    /// <summary>What <see cref="Conversation.ImportedFrom"/> holds for a conversation of a file: unique per user.</summary>
    public static string SourceKey(ImportSource source, string sourceId)
    {
        var key = (source == ImportSource.GoChatAi ? "gochatai:" : "chatgpt:") + sourceId;
        return key.Length <= Conversation.MaxImportedFromLength ? key : key[..Conversation.MaxImportedFromLength];
    }

    /// <summary>The newest message that nothing follows: where a conversation whose file names none is shown.</summary>
    private static Message NewestLeaf(List<Message> ordered)
    {
        var followed = ordered.Where(m => m.ParentId is not null).Select(m => m.ParentId!.Value).ToHashSet();
        // The last stored of the newest: ties go to the later sibling.
        return ordered.Where(m => !followed.Contains(m.Id)).OrderBy(m => m.CreatedAt).Last();
    }

    /// <summary>A title as a conversation keeps it: one line, no control characters, at most its length.</summary>
    private static string? ImportedTitle(string? title)
    {
        if (title is null)
        {
            return null;
        }

        var line = new string([.. title.Select(c => char.IsControl(c) ? ' ' : c)]).Trim();
        return Truncate(line, Conversation.MaxTitleLength);
    }

    private static string? Truncate(string? text, int length)
    {
        if (text is null || text.Length <= length)
        {
            return text;
        }

        // Never between the halves of a surrogate pair.
        var cut = char.IsHighSurrogate(text[length - 1]) ? length - 1 : length;
        return text[..cut];
    }

    /// <summary>Text PostgreSQL stores as it is: no NUL, well-formed UTF-16.</summary>
    private static bool IsStorableText(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\0')
            {
                return false;
            }

            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return false;
            }
        }

        return true;
    }
}
