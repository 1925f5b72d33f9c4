using System.Runtime.CompilerServices;
using GoChatAi.ChatService.Application.Commands;
using GoChatAi.ServiceDefaults;
using GoChatAi.ServiceDefaults.Errors;

namespace GoChatAi.ChatService.Application.Archives;

/// <summary>What became of one conversation of an imported file.</summary>
public enum ImportResult
{
    Imported,
    Duplicate,
    Refused,
}

/// <summary>
/// The report on one conversation of an imported file: the conversation that holds it (none when refused), the
/// messages imported, and for people why it was refused, or what of it was left out when imported.
/// </summary>
public sealed record ImportedItemReport(string SourceId, string? Title, ImportResult Result, Guid? ConversationId, int MessageCount, string Reason);

/// <summary>
/// Export and import of a user's conversations, each whole. An export is read one conversation at a time; an import
/// stores each conversation of a file on its own, whole or not at all, and reports what became of each. Importing
/// the same file again creates nothing new: a conversation is known by its source (<see cref="Domain.Conversation.ImportedFrom"/>),
/// unique per user. Imported answers count no usage.
/// </summary>
public sealed class ArchiveService(
    IConversationArchive archive,
    IUsageLimiter limiter,
    ModelCatalog models,
    ITokenCounter tokens,
    TimeProvider timeProvider)
{
    /// <summary>
    /// The user's conversations, oldest first, or only <paramref name="conversationId"/>: NOT_FOUND, before anything
    /// is sent, when it is not one of theirs.
    /// </summary>
    public async IAsyncEnumerable<ArchivedConversation> ExportAsync(Guid userId, Guid? conversationId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var found = false;
        await foreach (var conversation in archive.ReadAsync(userId, conversationId, cancellationToken))
        {
            found = true;
            yield return conversation;
        }

        if (conversationId is not null && !found)
        {
            throw ServiceException.NotFound("The conversation");
        }
    }

    /// <summary>Imports each conversation of a file read at the edge, one after another, and reports each in the file's order.</summary>
    public async Task<IReadOnlyList<ImportedItemReport>> ImportAsync(Guid userId, ImportCommand command, CancellationToken cancellationToken)
    {
        await limiter.CountRequestAsync(userId);

        var now = timeProvider.GetUtcNowForStorage();
        var held = new Dictionary<string, Guid>(
            await archive.FindImportedAsync(userId, command.Conversations.Select(c => ImportPlan.SourceKey(command.Source, c.SourceId)).ToHashSet(), cancellationToken));
        // A GoChatAi file exported from this very account holds the caller's own conversations: they are there already.
        var own = command.Source == ImportSource.GoChatAi
            ? await archive.FindOwnedAsync(userId, command.Conversations.Select(c => Guid.TryParse(c.SourceId, out var id) ? id : Guid.Empty).Where(id => id != Guid.Empty).ToHashSet(), cancellationToken)
            : new HashSet<Guid>();

        var items = new List<ImportedItemReport>(command.Conversations.Count);
        foreach (var draft in command.Conversations)
        {
            var source = ImportPlan.SourceKey(command.Source, draft.SourceId);
            if (held.TryGetValue(source, out var holder)
                || (command.Source == ImportSource.GoChatAi && Guid.TryParse(draft.SourceId, out holder) && own.Contains(holder)))
            {
                items.Add(new ImportedItemReport(draft.SourceId, draft.Title, ImportResult.Duplicate, holder, 0, ""));
                continue;
            }

            var (plan, refusal) = ImportPlan.Build(draft, userId, command.Source, models, tokens, now);
            if (plan is null)
            {
                items.Add(new ImportedItemReport(draft.SourceId, draft.Title, ImportResult.Refused, null, 0, refusal!));
                continue;
            }

            if (await archive.AddAsync(plan, cancellationToken) == ImportStored.Duplicate)
            {
                // Another import of the same source won the race: it holds the conversation.
                var winner = (await archive.FindImportedAsync(userId, [source], cancellationToken)).GetValueOrDefault(source);
                items.Add(new ImportedItemReport(draft.SourceId, draft.Title, ImportResult.Duplicate, winner == Guid.Empty ? null : winner, 0, ""));
                continue;
            }

            held[source] = plan.Conversation.Id;
            items.Add(new ImportedItemReport(draft.SourceId, draft.Title, ImportResult.Imported, plan.Conversation.Id, plan.Messages.Count, draft.Omitted ?? ""));
        }

        return items;
    }
}
