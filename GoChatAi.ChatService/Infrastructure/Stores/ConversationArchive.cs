using System.Runtime.CompilerServices;
using GoChatAi.ChatService.Application.Archives;
using GoChatAi.ChatService.Domain;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;
using static GoChatAi.ChatService.Infrastructure.Stores.SqlRoundTrip;

namespace GoChatAi.ChatService.Infrastructure.Stores;

/// <summary>
/// Conversations whole in PostgreSQL, for export and import. An export reads the user's conversation ids first (ids
/// only), then each conversation and its messages when it is its turn, so that memory holds one conversation at a
/// time. An import writes a conversation, its messages and its branches in one batch (one round trip, one
/// transaction), the messages as arrays unnested in the plan's order, so that their positions follow it.
/// </summary>
public sealed class ConversationArchive(IDbContextFactory<ChatDbContext> contexts) : IConversationArchive
{
    /// <summary>The unique index that keeps one conversation per user and imported source.</summary>
    private const string ImportedFromIndex = "IX_conversations_UserId_ImportedFrom";

    public async IAsyncEnumerable<ArchivedConversation> ReadAsync(Guid userId, Guid? conversationId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // A context for each conversation: none is held while the caller writes the last one out.
        var ids = await contexts.RunAsync(db => IdsAsync(db, userId, conversationId, cancellationToken), cancellationToken);
        foreach (var id in ids)
        {
            if (await contexts.RunAsync(db => ReadOneAsync(db, userId, id, cancellationToken), cancellationToken) is { } conversation)
            {
                yield return conversation;
            }
        }
    }

    private static Task<List<Guid>> IdsAsync(ChatDbContext db, Guid userId, Guid? conversationId, CancellationToken cancellationToken)
    {
        var mine = db.Conversations.AsNoTracking().Where(c => c.UserId == userId);
        if (conversationId is { } only)
        {
            mine = mine.Where(c => c.Id == only);
        }

        return mine.OrderBy(c => c.CreatedAt).ThenBy(c => c.Id).Select(c => c.Id).ToListAsync(cancellationToken);
    }

    /// <summary>The conversation with its messages; null when it was deleted while the export ran.</summary>
    private static async Task<ArchivedConversation?> ReadOneAsync(ChatDbContext db, Guid userId, Guid id, CancellationToken cancellationToken)
    {
        var conversation = await db.Conversations.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id && c.UserId == userId, cancellationToken);
        if (conversation is null)
        {
            return null;
        }

        // A parent is always shallower than the messages that follow it; siblings oldest first.
        var messages = await db.Messages.AsNoTracking()
            .Where(m => m.ConversationId == id)
            .OrderBy(m => m.Depth).ThenBy(m => m.Position)
            .ToListAsync(cancellationToken);
        return new ArchivedConversation(conversation, messages);
    }

    public async Task<IReadOnlyDictionary<string, Guid>> FindImportedAsync(Guid userId, IReadOnlyCollection<string> sources, CancellationToken cancellationToken)
    {
        if (sources.Count == 0)
        {
            return new Dictionary<string, Guid>();
        }

        var list = sources.ToList();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Conversations.AsNoTracking()
            .Where(c => c.UserId == userId && c.ImportedFrom != null && list.Contains(c.ImportedFrom))
            .ToDictionaryAsync(c => c.ImportedFrom!, c => c.Id, StringComparer.Ordinal, cancellationToken);
    }

    public async Task<IReadOnlySet<Guid>> FindOwnedAsync(Guid userId, IReadOnlyCollection<Guid> conversationIds, CancellationToken cancellationToken)
    {
        if (conversationIds.Count == 0)
        {
            return new HashSet<Guid>();
        }

        var list = conversationIds.ToList();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return (await db.Conversations.AsNoTracking()
            .Where(c => c.UserId == userId && list.Contains(c.Id))
            .Select(c => c.Id)
            .ToListAsync(cancellationToken)).ToHashSet();
    }

    public async Task<ImportStored> AddAsync(ImportPlan plan, CancellationToken cancellationToken)
    {
        try
        {
            await contexts.ExecuteAsync(async (connection, token) =>
            {
                await using var batch = new NpgsqlBatch(connection)
                {
                    BatchCommands = { InsertConversation(plan), InsertMessages(plan, out var branches), InsertBranches(plan.Conversation.Id, branches) },
                };
                return await batch.ExecuteNonQueryAsync(token);
            }, cancellationToken);
            return ImportStored.Stored;
        }
        catch (PostgresException exception) when (exception is { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: ImportedFromIndex })
        {
            return ImportStored.Duplicate;
        }
    }

    private static NpgsqlBatchCommand InsertConversation(ImportPlan plan)
    {
        var conversation = plan.Conversation;
        var lastMessageAt = plan.Messages.Max(m => m.CreatedAt);
        return new NpgsqlBatchCommand("""
            INSERT INTO conversations ("Id", "UserId", "Title", "SystemPrompt", "Model", "CreatedAt", "UpdatedAt", "LastActivityAt", "LastMessageAt",
                "MessageCount", "ActiveLeafId", "IsPinned", "IsArchived", "ImportedFrom")
            VALUES ($1, $2, $3, $4, $5, $6, $7, GREATEST($6, $8), $8, $9, $10, $11, $12, $13)
            """)
        {
            Parameters =
            {
                Param(conversation.Id), Param(conversation.UserId), Param(conversation.Title), Param(conversation.SystemPrompt), Param(conversation.Model),
                Param(conversation.CreatedAt), Param(conversation.UpdatedAt), Param(lastMessageAt), Param(plan.Messages.Count), Param(plan.ActiveLeafId),
                Param(conversation.IsPinned), Param(conversation.IsArchived), Param(conversation.ImportedFrom),
            },
        };
    }

    /// <summary>
    /// The messages, in the plan's order (so that positions follow it), each on its branch, as the live writes place
    /// them: a message is its parent's first follower (the same branch) unless the parent has one already, in which
    /// case it starts a branch of its own, as does every first message. The branches started are returned.
    /// </summary>
    private static NpgsqlBatchCommand InsertMessages(ImportPlan plan, out List<Branch> branches)
    {
        var messages = plan.Messages;
        var branchOf = new Dictionary<Guid, (Guid Branch, int Depth, bool Followed)>(messages.Count);
        branches = [];
        var branchIds = new Guid[messages.Count];
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            Guid branch;
            if (message.ParentId is { } parentId && branchOf[parentId] is { Followed: false } parent)
            {
                branch = parent.Branch;
                branchOf[parentId] = parent with { Followed = true };
            }
            else
            {
                branch = message.Id;
                var parentBranch = message.ParentId is { } forkedFrom ? branchOf[forkedFrom] : default((Guid Branch, int Depth, bool Followed)?);
                branches.Add(new Branch
                {
                    Id = message.Id,
                    ConversationId = message.ConversationId,
                    ParentBranchId = parentBranch?.Branch,
                    ForkDepth = parentBranch?.Depth ?? -1,
                });
            }

            branchOf[message.Id] = (branch, message.Depth, false);
            branchIds[i] = branch;
        }

        return new NpgsqlBatchCommand($$"""
            INSERT INTO messages ("Id", "ConversationId", "UserId", "ParentId", "Depth", "{{ChatDbContext.BranchColumn}}", "Role", "Content", "Status", "FinishReason", "Model",
                "TokenCount", "PromptTokens", "CompletionTokens", "CreatedAt")
            SELECT m.id, $1, $14, m.parent, m.depth, m.branch, m.role, m.content, 'Finished', m.finish, m.model, m.tokens, m.prompt, m.completion, m.created
            FROM unnest($2::uuid[], $3::uuid[], $4::integer[], $5::uuid[], $6::text[], $7::text[], $8::text[], $9::text[], $10::integer[], $11::integer[],
                $12::integer[], $13::timestamptz[]) WITH ORDINALITY AS m(id, parent, depth, branch, role, content, finish, model, tokens, prompt, completion, created, n)
            ORDER BY m.n
            """)
        {
            Parameters =
            {
                Param(plan.Conversation.Id),
                Param(messages.Select(m => m.Id).ToArray()),
                Param(messages.Select(m => m.ParentId).ToArray()),
                Param(messages.Select(m => m.Depth).ToArray()),
                Param(branchIds),
                Param(messages.Select(m => m.Role.ToString()).ToArray()),
                Param(messages.Select(m => m.Content).ToArray()),
                Param(messages.Select(m => m.FinishReason?.ToString()).ToArray()),
                Param(messages.Select(m => m.Model).ToArray()),
                Param(messages.Select(m => m.TokenCount).ToArray()),
                Param(messages.Select(m => m.PromptTokens).ToArray()),
                Param(messages.Select(m => m.CompletionTokens).ToArray()),
                Param(messages.Select(m => m.CreatedAt).ToArray()),
                Param(plan.Conversation.UserId),
            },
        };
    }

    private static NpgsqlBatchCommand InsertBranches(Guid conversationId, List<Branch> branches) => new("""
        INSERT INTO branches ("Id", "ConversationId", "ParentBranchId", "ForkDepth")
        SELECT b.id, $1, b.parent, b.fork FROM unnest($2::uuid[], $3::uuid[], $4::integer[]) AS b(id, parent, fork)
        """)
    {
        Parameters =
        {
            Param(conversationId),
            Param(branches.Select(b => b.Id).ToArray()),
            Param(branches.Select(b => b.ParentBranchId).ToArray()),
            Param(branches.Select(b => b.ForkDepth).ToArray()),
        },
    };
}
