using GoChatAi.ChatService.Application;
using GoChatAi.ChatService.Domain;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace GoChatAi.ChatService.Infrastructure.Stores;

/// <summary>
/// Conversations and messages in PostgreSQL. The writes on the chat's hot path are each a single round trip: one
/// Npgsql batch (which the server runs as one transaction) or one statement, where EF Core would take several.
/// </summary>
public sealed class ConversationStore(ChatDbContext db) : IConversationStore
{
    // Column names as the EF model maps them.
    private const string InsertMessage = """
        INSERT INTO messages ("Id", "ConversationId", "Role", "Content", "Status", "Model", "TokenCount", "GenerationId", "CreatedAt")
        """;

    private const string MessageValues = "$1, $2, $3, $4, $5, $6, $7, $8, $9";

    private const string CountMessages = """
        UPDATE conversations SET "MessageCount" = "MessageCount" + $2, "LastMessageAt" = $3, "LastActivityAt" = $3 WHERE "Id" = $1
        """;

    public void Add(Conversation conversation) => db.Conversations.Add(conversation);

    public Task SaveChangesAsync(CancellationToken cancellationToken) => db.SaveChangesAsync(cancellationToken);

    public Task<Conversation?> FindOwnedAsync(Guid userId, Guid conversationId, bool tracking, CancellationToken cancellationToken) =>
        (tracking ? db.Conversations : db.Conversations.AsNoTracking())
            .FirstOrDefaultAsync(c => c.Id == conversationId && c.UserId == userId, cancellationToken);

    public async Task<(IReadOnlyList<Conversation> Page, int Total)> ListAsync(Guid userId, int limit, int offset, CancellationToken cancellationToken)
    {
        var mine = db.Conversations.AsNoTracking().Where(c => c.UserId == userId);
        var total = await mine.CountAsync(cancellationToken);
        var page = await mine
            .OrderByDescending(c => c.LastActivityAt).ThenByDescending(c => c.Id)
            .Skip(offset).Take(limit)
            .ToListAsync(cancellationToken);
        return (page, total);
    }

    public Task DeleteAsync(Guid conversationId, CancellationToken cancellationToken) =>
        db.Conversations.Where(c => c.Id == conversationId).ExecuteDeleteAsync(cancellationToken);

    public Task<Guid> FindOwnerAsync(Guid conversationId, CancellationToken cancellationToken) =>
        db.Conversations.Where(c => c.Id == conversationId).Select(c => c.UserId).FirstOrDefaultAsync(cancellationToken);

    public async Task<StoredHistoryPage?> ReadHistoryAsync(
        Guid userId, Guid conversationId, long? afterPosition, bool newestFirst, int offset, int count, CancellationToken cancellationToken)
    {
        var page = db.Messages.Where(m => m.ConversationId == conversationId);
        if (afterPosition is { } position)
        {
            page = newestFirst ? page.Where(m => m.Position < position) : page.Where(m => m.Position > position);
        }

        page = (newestFirst ? page.OrderByDescending(m => m.Position) : page.OrderBy(m => m.Position)).Skip(offset).Take(count);

        // One query: the page is joined to the owner's conversation row, whose counter is the total.
        var found = await db.Conversations.AsNoTracking()
            .Where(c => c.Id == conversationId && c.UserId == userId)
            .Select(c => new { c.MessageCount, Page = page.ToList() })
            .FirstOrDefaultAsync(cancellationToken);
        return found is null ? null : new StoredHistoryPage(found.MessageCount, found.Page);
    }

    public Task<Message?> FindOwnedAnswerAsync(Guid userId, Guid generationId, CancellationToken cancellationToken) =>
        db.Messages.AsNoTracking()
            .Where(m => m.GenerationId == generationId && m.Role == MessageRole.Assistant)
            .Where(m => db.Conversations.Any(c => c.Id == m.ConversationId && c.UserId == userId))
            .FirstOrDefaultAsync(cancellationToken);

    public Task<Message?> FindAnswerAsync(Guid generationId, CancellationToken cancellationToken) =>
        db.Messages.AsNoTracking().FirstOrDefaultAsync(m => m.GenerationId == generationId && m.Role == MessageRole.Assistant, cancellationToken);

    public async Task<IReadOnlyList<Message>> ListGeneratingAsync(DateTimeOffset startedBefore, int limit, CancellationToken cancellationToken) =>
        await db.Messages.AsNoTracking()
            .Where(m => m.Status == MessageStatus.Generating && m.CreatedAt < startedBefore)
            .OrderBy(m => m.CreatedAt)
            .Take(limit)
            .ToListAsync(cancellationToken);

    public async Task<string?> FindFirstMessageToTitleAsync(Guid conversationId, CancellationToken cancellationToken)
    {
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
            .OrderBy(m => m.Position).Select(m => m.Content).FirstAsync(cancellationToken);
    }

    public Task SetTitleIfUntitledAsync(Guid conversationId, string title, CancellationToken cancellationToken) =>
        db.Conversations.Where(c => c.Id == conversationId && c.Title == null)
            .ExecuteUpdateAsync(set => set.SetProperty(c => c.Title, title), cancellationToken);

    /// <summary>
    /// The conversation's settings and its newest finished messages, in one round trip: the messages are read only
    /// when the conversation is the user's, so that nobody else's text leaves the database.
    /// </summary>
    public Task<ConversationContext?> FindContextAsync(Guid userId, Guid conversationId, int historyLimit, CancellationToken cancellationToken) =>
        ExecuteAsync(async (connection, token) =>
        {
            await using var batch = new NpgsqlBatch(connection)
            {
                BatchCommands =
                {
                    new NpgsqlBatchCommand("""SELECT "Model", "SystemPrompt" FROM conversations WHERE "Id" = $1 AND "UserId" = $2""")
                    {
                        Parameters = { Param(conversationId), Param(userId) },
                    },
                    new NpgsqlBatchCommand("""
                        SELECT "Role", "Content", "TokenCount" FROM messages
                        WHERE "ConversationId" = $1 AND "Status" = 'Finished' AND "Content" <> ''
                            AND EXISTS (SELECT 1 FROM conversations WHERE "Id" = $1 AND "UserId" = $2)
                        ORDER BY "Position" DESC LIMIT $3
                        """)
                    {
                        Parameters = { Param(conversationId), Param(userId), Param(historyLimit) },
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
            var history = new List<ContextMessage>();
            while (await reader.ReadAsync(token))
            {
                history.Add(new ContextMessage(
                    Enum.Parse<MessageRole>(reader.GetString(0)),
                    reader.GetString(1),
                    await reader.IsDBNullAsync(2, token) ? null : reader.GetInt32(2)));
            }

            return new ConversationContext(model, systemPrompt, history);
        }, cancellationToken);

    /// <summary>
    /// Stores a user's message and the answer-to-be (in this order, which is the history's), creates the conversation
    /// first when it is new, and moves its counters: one batch, which the server runs as one transaction.
    /// </summary>
    public Task StartGenerationAsync(Conversation? newConversation, Message user, Message answer, CancellationToken cancellationToken) =>
        ExecuteAsync(async (connection, token) =>
        {
            await using var batch = new NpgsqlBatch(connection);
            if (newConversation is not null)
            {
                batch.BatchCommands.Add(InsertConversation(newConversation));
            }

            batch.BatchCommands.Add(Insert(user));
            batch.BatchCommands.Add(Insert(answer));
            batch.BatchCommands.Add(Count(user.ConversationId, 2, answer.CreatedAt));
            return await batch.ExecuteNonQueryAsync(token);
        }, cancellationToken);

    public Task AddConversationAsync(Conversation conversation, IReadOnlyList<Message> messages, CancellationToken cancellationToken) =>
        ExecuteAsync(async (connection, token) =>
        {
            await using var batch = new NpgsqlBatch(connection) { BatchCommands = { InsertConversation(conversation) } };
            foreach (var message in messages)
            {
                batch.BatchCommands.Add(Insert(message));
            }

            batch.BatchCommands.Add(Count(conversation.Id, messages.Count, messages.Count > 0 ? messages[^1].CreatedAt : conversation.CreatedAt));
            return await batch.ExecuteNonQueryAsync(token);
        }, cancellationToken);

    /// <summary>
    /// Stores a message and moves its conversation's counters, in one round trip, if the conversation is the
    /// user's: false (and nothing written) when it is not, or no longer exists.
    /// </summary>
    public Task<bool> AddMessageAsync(Guid userId, Message message, CancellationToken cancellationToken) =>
        ExecuteAsync(async (connection, token) =>
        {
            // The insert happens only into a conversation of the user's; the counters move after it, so that the
            // conversation's row (every sender's hot spot) stays locked for the shortest time.
            var insert = new NpgsqlBatchCommand($"{InsertMessage} SELECT {MessageValues} WHERE EXISTS (SELECT 1 FROM conversations WHERE \"Id\" = $2 AND \"UserId\" = $10)");
            insert.Parameters.AddRange(Columns(message));
            insert.Parameters.Add(Param(userId));
            var count = new NpgsqlBatchCommand($"{CountMessages} AND \"UserId\" = $4")
            {
                Parameters = { Param(message.ConversationId), Param(1), Param(message.CreatedAt), Param(userId) },
            };
            await using var batch = new NpgsqlBatch(connection) { BatchCommands = { insert, count } };
            await batch.ExecuteNonQueryAsync(token);
            return insert.RecordsAffected == 1;
        }, cancellationToken);

    /// <summary>
    /// Stores a finished answer, only if it is still generating (of two replicas finishing one answer, one wins), and
    /// its usage in the ledger, in one statement. A deleted conversation's answer is gone, but its usage is recorded.
    /// </summary>
    public Task<AnswerStored> FinishAnswerAsync(Message answer, int tokenCount, UsageRecord? usage, CancellationToken cancellationToken) =>
        ExecuteAsync(async (connection, token) =>
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

    private async Task<T> ExecuteAsync<T>(Func<NpgsqlConnection, CancellationToken, Task<T>> operation, CancellationToken cancellationToken) =>
        // The retrying strategy runs the whole round trip again after a transient failure (a dropped connection).
        await db.Database.CreateExecutionStrategy().ExecuteAsync(async token =>
        {
            await db.Database.OpenConnectionAsync(token);
            try
            {
                return await operation((NpgsqlConnection)db.Database.GetDbConnection(), token);
            }
            finally
            {
                await db.Database.CloseConnectionAsync();
            }
        }, cancellationToken);

    private static NpgsqlBatchCommand InsertConversation(Conversation conversation) => new("""
        INSERT INTO conversations ("Id", "UserId", "Title", "SystemPrompt", "Model", "CreatedAt", "UpdatedAt", "LastActivityAt", "MessageCount")
        VALUES ($1, $2, $3, $4, $5, $6, $6, $6, 0)
        """)
    {
        Parameters =
        {
            Param(conversation.Id), Param(conversation.UserId), Param(conversation.Title), Param(conversation.SystemPrompt),
            Param(conversation.Model), Param(conversation.CreatedAt),
        },
    };

    private static NpgsqlBatchCommand Insert(Message message)
    {
        var command = new NpgsqlBatchCommand($"{InsertMessage} VALUES ({MessageValues})");
        command.Parameters.AddRange(Columns(message));
        return command;
    }

    /// <summary>A message's values in the order of the insert's columns.</summary>
    private static NpgsqlParameter[] Columns(Message message) =>
    [
        Param(message.Id), Param(message.ConversationId), Param(message.Role.ToString()), Param(message.Content),
        Param(message.Status.ToString()), Param(message.Model), Param(message.TokenCount), Param(message.GenerationId),
        Param(message.CreatedAt),
    ];

    private static NpgsqlBatchCommand Count(Guid conversationId, int added, DateTimeOffset at) => new(CountMessages)
    {
        Parameters = { Param(conversationId), Param(added), Param(at) },
    };

    private static NpgsqlParameter<T> Param<T>(T value) => new() { TypedValue = value };

    private static NpgsqlParameter Param(string? value) =>
        new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };

    private static NpgsqlParameter Param(int? value) =>
        new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer };

    private static NpgsqlParameter Param(Guid? value) =>
        new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid };
}
