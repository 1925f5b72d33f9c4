using GoChatAi.ChatService.Domain;

namespace GoChatAi.ChatService.Application.Archives;

/// <summary>One conversation whole, as exported: every message of every branch, each after its parent.</summary>
public sealed record ArchivedConversation(Conversation Conversation, IReadOnlyList<Message> Messages)
{
    /// <summary>The messages shown: from the first message to the active leaf, oldest first (none without messages).</summary>
    public IReadOnlyList<Message> ActivePath()
    {
        var byId = Messages.ToDictionary(m => m.Id);
        var path = new List<Message>();
        for (var at = Conversation.ActiveLeafId; at is { } id && byId.TryGetValue(id, out var message); at = message.ParentId)
        {
            path.Add(message);
        }

        path.Reverse();
        return path;
    }
}

/// <summary>How storing an imported conversation went.</summary>
public enum ImportStored
{
    /// <summary>Stored whole, with its messages and branches.</summary>
    Stored,

    /// <summary>The user already holds a conversation from the same source (another import won a race); nothing was written.</summary>
    Duplicate,
}

/// <summary>
/// Conversations whole, for export and import: read one at a time (never a whole account in memory), and written each
/// in one transaction, tree and all, or not at all.
/// </summary>
public interface IConversationArchive
{
    /// <summary>
    /// The user's conversations (only <paramref name="conversationId"/> when given), oldest first, archived ones
    /// included, each with every message ordered so that a parent comes before the messages that follow it.
    /// </summary>
    IAsyncEnumerable<ArchivedConversation> ReadAsync(Guid userId, Guid? conversationId, CancellationToken cancellationToken);

    /// <summary>Which of <paramref name="sources"/> (<see cref="Conversation.ImportedFrom"/> values) the user already holds, and in which conversation.</summary>
    Task<IReadOnlyDictionary<string, Guid>> FindImportedAsync(Guid userId, IReadOnlyCollection<string> sources, CancellationToken cancellationToken);

    /// <summary>Which of <paramref name="conversationIds"/> are the user's own conversations.</summary>
    Task<IReadOnlySet<Guid>> FindOwnedAsync(Guid userId, IReadOnlyCollection<Guid> conversationIds, CancellationToken cancellationToken);

    /// <summary>
    /// Stores an imported conversation with its messages (in the plan's order), their branches, its active leaf and
    /// counters, in one transaction; <see cref="ImportStored.Duplicate"/> (and nothing written) when the user already
    /// holds its source.
    /// </summary>
    Task<ImportStored> AddAsync(ImportPlan plan, CancellationToken cancellationToken);
}
