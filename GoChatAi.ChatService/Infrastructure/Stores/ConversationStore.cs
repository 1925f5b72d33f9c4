using GoChatAi.ChatService.Application;
using GoChatAi.ChatService.Application.Commands;
using GoChatAi.ChatService.Application.Feeds;
using GoChatAi.ChatService.Domain;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;
using static GoChatAi.ChatService.Infrastructure.Stores.SqlRoundTrip;

namespace GoChatAi.ChatService.Infrastructure.Stores;

/// <summary>
/// Conversations and messages in PostgreSQL. The writes on the chat's hot path are each a single round trip: one
/// Npgsql batch (which the server runs as one transaction) or one statement, where EF Core would take several.
/// </summary>
public sealed class ConversationStore(IDbContextFactory<ChatDbContext> contexts, MessageGroupCommit sends) : IConversationStore, IAsyncDisposable
{
    // The context that tracks what Add and a tracked find hand out, until SaveChangesAsync stores it; every other
    // operation takes a context of the pool for itself and gives it back at once.
    private ChatDbContext? _changes;

    public void Add(Conversation conversation) => Changes.Conversations.Add(conversation);

    public async Task SaveChangesAsync(CancellationToken cancellationToken)
    {
        if (_changes is { } changes)
        {
            await changes.SaveChangesAsync(cancellationToken);
            _changes = null;
            await changes.DisposeAsync();
        }
    }

    public ValueTask DisposeAsync() => _changes?.DisposeAsync() ?? ValueTask.CompletedTask;

    private ChatDbContext Changes => _changes ??= contexts.CreateDbContext();

    public async Task<Conversation?> FindOwnedAsync(Guid userId, Guid conversationId, bool tracking, CancellationToken cancellationToken)
    {
        if (tracking)
        {
            return await Changes.Conversations.FirstOrDefaultAsync(c => c.Id == conversationId && c.UserId == userId, cancellationToken);
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Conversations.AsNoTracking().FirstOrDefaultAsync(c => c.Id == conversationId && c.UserId == userId, cancellationToken);
    }

    public async Task<(IReadOnlyList<Conversation> Page, int Total)> ListAsync(Guid userId, ConversationListQuery query, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var mine = db.Conversations.AsNoTracking().Where(c => c.UserId == userId && c.IsArchived == query.Archived);
        if (query.Pinned is { } pinned)
        {
            mine = mine.Where(c => c.IsPinned == pinned);
        }

        var page = await mine
            .OrderByDescending(c => c.LastActivityAt).ThenByDescending(c => c.Id)
            .Skip(query.Offset).Take(query.Limit)
            .ToListAsync(cancellationToken);

        // A short page is the end of the list, so it says the total: most users' whole list fits one page, and
        // the count would be a second round trip for a number already known.
        var total = page.Count < query.Limit && (page.Count > 0 || query.Offset == 0)
            ? query.Offset + page.Count
            : await mine.CountAsync(cancellationToken);
        return (page, total);
    }

    public Task DeleteAsync(Guid conversationId, CancellationToken cancellationToken) =>
        contexts.RunAsync(db => db.Conversations.Where(c => c.Id == conversationId).ExecuteDeleteAsync(cancellationToken), cancellationToken);

    public Task<Guid> FindOwnerAsync(Guid conversationId, CancellationToken cancellationToken) =>
        contexts.RunAsync(db => db.Conversations.Where(c => c.Id == conversationId).Select(c => c.UserId).FirstOrDefaultAsync(cancellationToken), cancellationToken);

    public Task<StoredPathPage?> ReadPathAsync(Guid userId, Guid conversationId, PathRange range, CancellationToken cancellationToken) =>
        contexts.ExecuteAsync(async (connection, token) =>
        {
            // Bounds in depths: oldest first from the offset (or past the token's depth) to the leaf; newest first
            // from the leaf less the offset (or before the token's depth) down to the first message.
            var (lowest, belowLeaf, highest) = range.NewestFirst
                ? (0, range.AfterDepth is null ? range.Offset : 0, range.AfterDepth - 1)
                : (range.AfterDepth + 1 ?? range.Offset, 0, (int?)null);
            await using var batch = new NpgsqlBatch(connection)
            {
                BatchCommands =
                {
                    new NpgsqlBatchCommand(ConversationTreeSql.Leaf) { Parameters = { Param(conversationId), Param(userId), Param(range.LeafId) } },
                    new NpgsqlBatchCommand(ConversationTreeSql.PathPage(range.NewestFirst))
                    {
                        Parameters =
                        {
                            Param(conversationId), Param(userId), Param(range.LeafId), Param(lowest), Param(belowLeaf), Param(highest), Param(range.Count),
                        },
                    },
                },
            };

            await using var reader = await batch.ExecuteReaderAsync(token);
            if (!await reader.ReadAsync(token))
            {
                return null;
            }

            var leaf = await reader.IsDBNullAsync(0, token) ? (Guid?)null : reader.GetGuid(0);
            var length = leaf is null ? 0 : reader.GetInt32(1) + 1;
            await reader.NextResultAsync(token);
            var messages = new List<PathMessage>();
            while (await reader.ReadAsync(token))
            {
                messages.Add(new PathMessage(
                    ReadSnapshot(reader), reader.GetInt32(ConversationTreeSql.DepthOrdinal), reader.GetFieldValue<Guid[]>(ConversationTreeSql.SiblingsOrdinal)));
            }

            return new StoredPathPage(leaf, length, messages);
        }, cancellationToken);

    public Task<Guid?> FindLeafThroughAsync(Guid userId, Guid conversationId, Guid messageId, CancellationToken cancellationToken) =>
        contexts.ExecuteAsync(async (connection, token) =>
        {
            await using var command = new NpgsqlCommand(ConversationTreeSql.LeafThrough, connection)
            {
                Parameters = { Param(conversationId), Param(userId), Param(messageId) },
            };
            return await command.ExecuteScalarAsync(token) is Guid leaf ? leaf : (Guid?)null;
        }, cancellationToken);

    public Task<bool> SwitchBranchAsync(Guid userId, Guid conversationId, Guid messageId, CancellationToken cancellationToken) =>
        contexts.ExecuteAsync(async (connection, token) =>
        {
            // Under the conversation's lock, so that no message is added under the new leaf while it is found.
            var switched = new NpgsqlBatchCommand(ConversationTreeSql.SwitchBranch) { Parameters = { Param(conversationId), Param(userId), Param(messageId) } };
            await using var batch = new NpgsqlBatch(connection) { BatchCommands = { Lock(conversationId, userId), switched } };
            await batch.ExecuteNonQueryAsync(token);
            return switched.RecordsAffected == 1;
        }, cancellationToken);

    public Task<Message?> FindOwnedAnswerAsync(Guid userId, Guid generationId, CancellationToken cancellationToken) =>
        contexts.RunAsync(db => db.Messages.AsNoTracking()
            .Where(m => m.GenerationId == generationId && m.Role == MessageRole.Assistant)
            .Where(m => db.Conversations.Any(c => c.Id == m.ConversationId && c.UserId == userId))
            .FirstOrDefaultAsync(cancellationToken), cancellationToken);

    public Task<Message?> FindAnswerAsync(Guid generationId, CancellationToken cancellationToken) =>
        contexts.RunAsync(db => db.Messages.AsNoTracking().FirstOrDefaultAsync(m => m.GenerationId == generationId && m.Role == MessageRole.Assistant, cancellationToken),
            cancellationToken);

    public async Task<IReadOnlyList<Message>> ListGeneratingAsync(DateTimeOffset startedBefore, int limit, CancellationToken cancellationToken) =>
        await contexts.RunAsync(db => db.Messages.AsNoTracking()
            .Where(m => m.Status == MessageStatus.Generating && m.CreatedAt < startedBefore)
            .OrderBy(m => m.CreatedAt)
            .Take(limit)
            .ToListAsync(cancellationToken), cancellationToken);

    public async Task<string?> FindFirstMessageToTitleAsync(Guid conversationId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var conversation = await db.Conversations.AsNoTracking()
            .Where(c => c.Id == conversationId)
            .Select(c => new { c.Title, Answers = db.Messages.Count(m => m.ConversationId == c.Id && m.Role == MessageRole.Assistant) })
            .FirstOrDefaultAsync(cancellationToken);
        if (conversation is not { Title: null, Answers: 1 })
        {
            return null;
        }

        return await db.Messages.AsNoTracking()
            .Where(m => m.ConversationId == conversationId && m.Role == MessageRole.User)
            .OrderBy(m => m.Depth).ThenBy(m => m.Position).Select(m => m.Content).FirstAsync(cancellationToken);
    }

    public Task SetTitleIfUntitledAsync(Guid conversationId, string title, CancellationToken cancellationToken) =>
        contexts.RunAsync(db => db.Conversations.Where(c => c.Id == conversationId && c.Title == null)
            .ExecuteUpdateAsync(set => set.SetProperty(c => c.Title, title), cancellationToken), cancellationToken);

    /// <summary>
    /// The conversation's settings, the anchor and the finished messages on the path before it, in one round trip:
    /// the messages are read only when the conversation is the user's, so that nobody else's text leaves the database.
    /// </summary>
    public Task<ConversationContext?> FindContextAsync(Guid userId, Guid conversationId, Guid? anchorId, int historyLimit, CancellationToken cancellationToken) =>
        contexts.ExecuteAsync(async (connection, token) =>
        {
            await using var batch = new NpgsqlBatch(connection)
            {
                BatchCommands =
                {
                    new NpgsqlBatchCommand("""SELECT "Model", "SystemPrompt" FROM conversations WHERE "Id" = $1 AND "UserId" = $2""")
                    {
                        Parameters = { Param(conversationId), Param(userId) },
                    },
                    new NpgsqlBatchCommand(ConversationTreeSql.Anchor) { Parameters = { Param(conversationId), Param(userId), Param(anchorId) } },
                    new NpgsqlBatchCommand(ConversationTreeSql.ContextBeforeLeaf)
                    {
                        Parameters = { Param(conversationId), Param(userId), Param(anchorId), Param(historyLimit) },
                    },
                },
            };

            await using var reader = await batch.ExecuteReaderAsync(token);
            if (!await reader.ReadAsync(token))
            {
                return null;
            }

            var model = reader.GetString(0);
            var systemPrompt = await reader.IsDBNullAsync(1, token) ? null : reader.GetString(1);
            await reader.NextResultAsync(token);
            AnchorMessage? anchor = null;
            if (await reader.ReadAsync(token))
            {
                anchor = new AnchorMessage(
                    reader.GetGuid(0),
                    new MessagePlace(await reader.IsDBNullAsync(1, token) ? null : reader.GetGuid(1), reader.GetInt32(2)),
                    Enum.Parse<MessageRole>(reader.GetString(3)),
                    Enum.Parse<MessageStatus>(reader.GetString(4)),
                    reader.GetString(5),
                    await reader.IsDBNullAsync(6, token) ? null : reader.GetInt32(6));
            }

            await reader.NextResultAsync(token);
            var history = new List<ContextMessage>();
            while (await reader.ReadAsync(token))
            {
                history.Add(new ContextMessage(
                    Enum.Parse<MessageRole>(reader.GetString(0)),
                    reader.GetString(1),
                    await reader.IsDBNullAsync(2, token) ? null : reader.GetInt32(2)));
            }

            return new ConversationContext(model, systemPrompt, anchor, history);
        }, cancellationToken);

    /// <summary>
    /// Stores the user's message (if any) and the answer-to-be after their parents, creates the conversation first
    /// when it is new, makes the answer the active leaf and moves the counters: one batch, which the server runs as
    /// one transaction, holding the conversation's lock from its first statement.
    /// </summary>
    public Task StartGenerationAsync(Guid userId, Conversation? newConversation, Message? user, Message answer, CancellationToken cancellationToken) =>
        contexts.ExecuteAsync(async (connection, token) =>
        {
            var conversationId = answer.ConversationId;
            await using var batch = new NpgsqlBatch(connection)
            {
                BatchCommands = { newConversation is null ? Lock(conversationId, userId) : InsertConversation(newConversation) },
            };
            var added = 0;
            foreach (var message in (ReadOnlySpan<Message?>)[user, answer])
            {
                if (message is not null)
                {
                    batch.BatchCommands.Add(InsertAfter(userId, message, PlacedParent(message)));
                    batch.BatchCommands.Add(StartBranchIfNew(message.Id));
                    added++;
                }
            }

            batch.BatchCommands.Add(MoveLeaf(conversationId, answer.Id, added, answer.CreatedAt));
            return await batch.ExecuteNonQueryAsync(token);
        }, cancellationToken);

    public Task AddConversationAsync(Conversation conversation, IReadOnlyList<Message> messages, CancellationToken cancellationToken) =>
        contexts.ExecuteAsync(async (connection, token) =>
        {
            await using var batch = new NpgsqlBatch(connection) { BatchCommands = { InsertConversation(conversation) } };
            foreach (var message in messages)
            {
                batch.BatchCommands.Add(InsertAfter(conversation.UserId, message, PlacedParent(message)));
                batch.BatchCommands.Add(StartBranchIfNew(message.Id));
            }

            if (messages.Count > 0)
            {
                batch.BatchCommands.Add(MoveLeaf(conversation.Id, messages[^1].Id, messages.Count, messages[^1].CreatedAt));
            }

            return await batch.ExecuteNonQueryAsync(token);
        }, cancellationToken);

    /// <summary>
    /// Stores a message after its parent (or the active leaf), makes it the active leaf and moves the counters, in
    /// one round trip, if the conversation is the user's and the parent one of its messages. Messages the same user
    /// sends into the same conversation at the same moment are stored together (<see cref="MessageGroupCommit"/>).
    /// </summary>
    public Task<MessagePlace?> AddMessageAsync(Guid userId, Message message, Guid? parentId, CancellationToken cancellationToken)
    {
        // Once queued, a message is stored with the others whatever becomes of its request; one not yet queued is not.
        cancellationToken.ThrowIfCancellationRequested();
        return sends.WriteAsync((message.ConversationId, userId), new SentMessage(message, parentId),
            batch => AddMessagesAsync(userId, message.ConversationId, batch));
    }

    /// <summary>
    /// Stores messages into one conversation in one transaction, each after the one before (or its given parent),
    /// under the conversation's lock taken once: where each is stored, or null for one that is refused.
    /// </summary>
    private Task<IReadOnlyList<MessagePlace?>> AddMessagesAsync(Guid userId, Guid conversationId, IReadOnlyList<SentMessage> sent) =>
        contexts.ExecuteAsync<IReadOnlyList<MessagePlace?>>(async (connection, token) =>
        {
            await using var batch = new NpgsqlBatch(connection) { BatchCommands = { Lock(conversationId, userId) } };
            foreach (var (message, parentId) in sent)
            {
                var insert = InsertAfter(userId, message, parentId is null ? ParentChoice.ActiveLeaf : ParentChoice.Given(parentId.Value));
                insert.CommandText += """ RETURNING "ParentId", "Depth" """;
                batch.BatchCommands.Add(insert);
                batch.BatchCommands.Add(StartBranchIfNew(message.Id));
                batch.BatchCommands.Add(MoveLeaf(conversationId, message.Id, 1, message.CreatedAt));
            }

            await using var reader = await batch.ExecuteReaderAsync(token);
            var places = new MessagePlace?[sent.Count];
            for (var i = 0; i < places.Length; i++)
            {
                // The lock's row (or none), then each insert's (the statements that return nothing are passed over).
                await reader.NextResultAsync(token);
                places[i] = await reader.ReadAsync(token)
                    ? new MessagePlace(await reader.IsDBNullAsync(0, token) ? null : reader.GetGuid(0), reader.GetInt32(1))
                    : null;
            }

            return places;
        }, CancellationToken.None);

    /// <summary>
    /// Stores a finished answer, only if it is still generating (of two replicas finishing one answer, one wins), and
    /// its usage in the ledger, in one statement. A deleted conversation's answer is gone, but its usage is recorded.
    /// </summary>
    public Task<AnswerStored> FinishAnswerAsync(Message answer, int tokenCount, UsageRecord? usage, CancellationToken cancellationToken) =>
        contexts.ExecuteAsync(async (connection, token) =>
        {
            await using var command = new NpgsqlCommand("""
                WITH finished AS (
                    UPDATE messages SET "Content" = $2, "Status" = 'Finished', "FinishReason" = $3,
                        "PromptTokens" = $4, "CompletionTokens" = $5, "TokenCount" = $6
                    WHERE "Id" = $1 AND "Status" = 'Generating'
                    RETURNING 1),
                charged AS (
                    INSERT INTO usage_ledger ("UserId", "ConversationId", "GenerationId", "ApiKeyId", "Model", "PromptTokens", "CompletionTokens", "Day", "RecordedAt")
                    SELECT $7, $8, $9, $16, $10, $11, $12, $13, $14
                    WHERE $15 AND (EXISTS (SELECT 1 FROM finished) OR NOT EXISTS (SELECT 1 FROM messages WHERE "Id" = $1)))
                SELECT EXISTS (SELECT 1 FROM finished), EXISTS (SELECT 1 FROM messages WHERE "Id" = $1)
                """, connection)
            {
                Parameters =
                {
                    Param(answer.Id), Param(answer.Content), Param(answer.FinishReason!.Value.ToString()),
                    Param(answer.PromptTokens), Param(answer.CompletionTokens), Param(tokenCount),
                    Param(usage?.UserId ?? Guid.Empty), Param(usage?.ConversationId ?? Guid.Empty), Param(usage?.GenerationId ?? Guid.Empty),
                    Param(usage?.Model ?? ""), Param(usage?.PromptTokens ?? 0), Param(usage?.CompletionTokens ?? 0),
                    Param(usage?.Day ?? default), Param(usage?.RecordedAt ?? default), Param(usage is not null), Param(usage?.ApiKeyId),
                },
            };
            await using var reader = await command.ExecuteReaderAsync(token);
            await reader.ReadAsync(token);
            return reader.GetBoolean(0) ? AnswerStored.Stored
                : reader.GetBoolean(1) ? AnswerStored.FinishedElsewhere
                : AnswerStored.ConversationGone;
        }, cancellationToken);

    private static NpgsqlBatchCommand InsertConversation(Conversation conversation) => new("""
        INSERT INTO conversations ("Id", "UserId", "Title", "SystemPrompt", "Model", "CreatedAt", "UpdatedAt", "LastActivityAt", "MessageCount", "IsPinned", "IsArchived")
        VALUES ($1, $2, $3, $4, $5, $6, $6, $6, 0, FALSE, FALSE)
        """)
    {
        Parameters =
        {
            Param(conversation.Id), Param(conversation.UserId), Param(conversation.Title), Param(conversation.SystemPrompt),
            Param(conversation.Model), Param(conversation.CreatedAt),
        },
    };

    /// <summary>Which message a new one follows: one given (none: a first message), or the conversation's active leaf.</summary>
    private readonly record struct ParentChoice(Guid? ParentId, bool IsActiveLeaf)
    {
        public static ParentChoice ActiveLeaf => new(null, true);

        public static ParentChoice Given(Guid? parentId) => new(parentId, false);
    }

    private static ParentChoice PlacedParent(Message message) =>
        message.IsPlaced ? ParentChoice.Given(message.ParentId) : throw new InvalidOperationException($"Message {message.Id} is not placed.");

    /// <summary>
    /// Inserts a message after its parent, if the conversation is the user's and the parent (when one is named) one
    /// of its messages: its depth is the parent's plus one; it stays on the parent's branch when it is the parent's
    /// first follower, else it starts a branch of its own. The conversation's lock, taken before, makes "first" hold.
    /// </summary>
    private static NpgsqlBatchCommand InsertAfter(Guid userId, Message message, ParentChoice parent)
    {
        var command = new NpgsqlBatchCommand($$"""
            INSERT INTO messages ("Id", "ConversationId", "UserId", "Role", "Content", "Status", "Model", "TokenCount", "GenerationId", "CreatedAt", "ParentId", "Depth", "{{ChatDbContext.BranchColumn}}")
            SELECT $1, $2, c."UserId", $3, $4, $5, $6, $7, $8, $9, p."Id", COALESCE(p."Depth" + 1, 0),
                CASE WHEN p."Id" IS NULL
                    OR EXISTS (SELECT 1 FROM messages f WHERE f."BranchId" = p."BranchId" AND f."Depth" = p."Depth" + 1)
                    THEN $1 ELSE p."BranchId" END
            FROM conversations c
            LEFT JOIN messages p ON p."Id" = (CASE WHEN $11 THEN c."ActiveLeafId" ELSE $10 END) AND p."ConversationId" = c."Id"
            WHERE c."Id" = $2 AND c."UserId" = $12 AND ($10 IS NULL OR p."Id" IS NOT NULL)
            """);
        command.Parameters.AddRange(new NpgsqlParameter[]
        {
            Param(message.Id), Param(message.ConversationId), Param(message.Role.ToString()), Param(message.Content),
            Param(message.Status.ToString()), Param(message.Model), Param(message.TokenCount), Param(message.GenerationId),
            Param(message.CreatedAt), Param(parent.ParentId), Param(parent.IsActiveLeaf), Param(userId),
        });
        return command;
    }

    /// <summary>Records the branch a message starts, if it starts one (its id is its branch's).</summary>
    private static NpgsqlBatchCommand StartBranchIfNew(Guid messageId) => new("""
        INSERT INTO branches ("Id", "ConversationId", "ParentBranchId", "ForkDepth")
        SELECT m."Id", m."ConversationId", p."BranchId", m."Depth" - 1
        FROM messages m LEFT JOIN messages p ON p."Id" = m."ParentId"
        WHERE m."Id" = $1 AND m."BranchId" = m."Id"
        """)
    {
        Parameters = { Param(messageId) },
    };

    /// <summary>
    /// Locks the user's conversation for the rest of the transaction: messages are added to it one writer at a time.
    /// The lock an UPDATE takes, which leaves the foreign-key checks of other writers alone.
    /// </summary>
    private static NpgsqlBatchCommand Lock(Guid conversationId, Guid userId) =>
        new("""SELECT 1 FROM conversations WHERE "Id" = $1 AND "UserId" = $2 FOR NO KEY UPDATE""") { Parameters = { Param(conversationId), Param(userId) } };

    /// <summary>Makes a message just stored the active leaf and counts the messages added, if it was stored.</summary>
    private static NpgsqlBatchCommand MoveLeaf(Guid conversationId, Guid leafId, int added, DateTimeOffset at) => new("""
        UPDATE conversations SET "ActiveLeafId" = $2, "MessageCount" = "MessageCount" + $3, "LastMessageAt" = $4, "LastActivityAt" = $4
        WHERE "Id" = $1 AND EXISTS (SELECT 1 FROM messages WHERE "Id" = $2)
        """)
    {
        Parameters = { Param(conversationId), Param(leafId), Param(added), Param(at) },
    };

    /// <summary>A message read by <see cref="ConversationTreeSql.PathPage"/>, as the API shows it.</summary>
    private static MessageSnapshot ReadSnapshot(NpgsqlDataReader reader)
    {
        int? Int(int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt32(ordinal);
        var status = Enum.Parse<MessageStatus>(reader.GetString(4));
        var (promptTokens, completionTokens) = (Int(7), Int(8));
        return new MessageSnapshot(
            reader.GetGuid(0),
            reader.GetGuid(1),
            Enum.Parse<MessageRole>(reader.GetString(2)),
            reader.GetString(3),
            reader.IsDBNull(5) ? null : reader.GetString(5),
            status,
            reader.IsDBNull(6) ? null : Enum.Parse<FinishReason>(reader.GetString(6)),
            status == MessageStatus.Finished && (promptTokens is not null || completionTokens is not null) ? new TokenUsage(promptTokens ?? 0, completionTokens ?? 0) : null,
            reader.IsDBNull(9) ? null : reader.GetGuid(9),
            reader.GetFieldValue<DateTimeOffset>(10),
            reader.IsDBNull(11) ? null : reader.GetGuid(11));
    }
}

/// <summary>A message to store, after its given parent or, with none given, after the active leaf.</summary>
public readonly record struct SentMessage(Message Message, Guid? ParentId);

/// <summary>
/// The messages each user is sending into each conversation, stored together when they arrive at the same moment
/// (one service-wide instance): a busy conversation's lock is then taken once for a batch.
/// </summary>
public sealed class MessageGroupCommit() : GroupCommit<(Guid ConversationId, Guid UserId), SentMessage, MessagePlace?>(MaxBatch)
{
    /// <summary>The most messages one transaction stores: a long queue drains in a few round trips, each of them short.</summary>
    public const int MaxBatch = 32;
}
