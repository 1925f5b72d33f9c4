using GoChatAi.ChatService.Domain;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace GoChatAi.ChatService.Infrastructure;

/// <summary>A stored message as a model's context takes it.</summary>
public sealed record ContextMessage(MessageRole Role, string Content, int? TokenCount);

/// <summary>How storing an answer went.</summary>
public enum AnswerStored
{
    /// <summary>Stored final, with its usage in the ledger.</summary>
    Stored,

    /// <summary>Another replica finished it first (its own replica was taken for dead); nothing was changed.</summary>
    FinishedElsewhere,

    /// <summary>The conversation was deleted meanwhile; the usage is in the ledger all the same.</summary>
    ConversationGone,
}

/// <summary>
/// The writes on the chat's hot path, each a single round trip to PostgreSQL: one Npgsql batch (which the server
/// runs as one transaction) or one statement, where EF Core would take several.
/// </summary>
public sealed class ConversationWrites(ChatDbContext db)
{
    // Column names as the EF model maps them.
    private const string InsertMessage = """
        INSERT INTO messages ("Id", "ConversationId", "Role", "Content", "Status", "Model", "TokenCount", "GenerationId", "CreatedAt")
        """;

    private const string MessageValues = "$1, $2, $3, $4, $5, $6, $7, $8, $9";

    private const string CountMessages = """
        UPDATE conversations SET "MessageCount" = "MessageCount" + $2, "LastMessageAt" = $3, "LastActivityAt" = $3 WHERE "Id" = $1
        """;

    /// <summary>
    /// Stores a user's message and the answer-to-be (in this order, which is the history's), creates the conversation
    /// first when it is new, moves its counters, and reads the newest finished messages for the model's context
    /// (the new message among them): all in one round trip.
    /// </summary>
    public Task<List<ContextMessage>> StartGenerationAsync(
        Conversation? newConversation, Message user, Message answer, int historyLimit, CancellationToken cancellationToken) =>
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
            batch.BatchCommands.Add(new NpgsqlBatchCommand("""
                SELECT "Role", "Content", "TokenCount" FROM messages
                WHERE "ConversationId" = $1 AND "Status" = 'Finished' AND "Content" <> ''
                ORDER BY "Position" DESC LIMIT $2
                """)
            {
                Parameters = { Param(user.ConversationId), Param(historyLimit) },
            });

            await using var reader = await batch.ExecuteReaderAsync(token);
            while (reader.FieldCount == 0 || reader.GetName(0) != "Role")
            {
                await reader.NextResultAsync(token);
            }

            var history = new List<ContextMessage>(Math.Min(historyLimit, 64));
            while (await reader.ReadAsync(token))
            {
                history.Add(new ContextMessage(
                    Enum.Parse<MessageRole>(reader.GetString(0)),
                    reader.GetString(1),
                    await reader.IsDBNullAsync(2, token) ? null : reader.GetInt32(2)));
            }

            return history;
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
                    INSERT INTO usage_ledger ("UserId", "ConversationId", "GenerationId", "Model", "PromptTokens", "CompletionTokens", "Day", "RecordedAt")
                    SELECT $7, $8, $9, $10, $11, $12, $13, $14
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
                    Param(usage?.Day ?? default), Param(usage?.RecordedAt ?? default), Param(usage is not null),
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
