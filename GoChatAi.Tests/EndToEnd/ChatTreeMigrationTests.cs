extern alias chatservice;

using chatservice::GoChatAi.ChatService.Infrastructure;
using GoChatAi.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace GoChatAi.Tests.EndToEnd;

/// <summary>
/// The <c>ConversationTrees</c> migration on data written before it: a scratch chatdb on the fixture's PostgreSQL is
/// brought to the release before (<c>UsageOfApiCalls</c>), given conversations as that release stored them, then
/// migrated by the ChatService's own migration step, as a deployment does. Each conversation becomes a single line:
/// every message follows the one stored before it, in one branch named after the first message, and the newest
/// message is the active leaf.
/// </summary>
[Collection(GoChatAiAppCollection.Name)]
public sealed class ChatTreeMigrationTests(GoChatAiAppFixture fixture)
{
    private const string ReleaseBefore = "UsageOfApiCalls";

    [Fact]
    public async Task Conversations_stored_before_trees_become_single_lines_with_the_newest_message_as_active_leaf()
    {
        var database = $"chatdb_trees_{Guid.NewGuid():N}";
        var connectionString = new NpgsqlConnectionStringBuilder(await fixture.App.GetConnectionStringAsync("chatdb"))
        {
            Database = database,
            Pooling = false,
        }.ConnectionString;
        try
        {
            await MigrateToAsync(connectionString, ReleaseBefore);
            var userId = Guid.NewGuid();
            var start = new DateTimeOffset(2026, 11, 20, 9, 0, 0, TimeSpan.Zero);
            var line = Guid.NewGuid();
            var single = Guid.NewGuid();
            var empty = Guid.NewGuid();
            // Random ids (not in storing order) and a question stored in the same instant as its answer: only the
            // storing order (Position) says which message follows which.
            var lineMessages = Enumerable.Range(0, 5).Select(_ => Guid.NewGuid()).ToArray();
            var singleMessage = Guid.NewGuid();
            await using (var connection = new NpgsqlConnection(connectionString))
            {
                await connection.OpenAsync();
                await InsertConversationAsync(connection, line, userId, "a line", start, lineMessages.Length, start.AddMinutes(3));
                await InsertConversationAsync(connection, single, userId, "one message", start, 1, start.AddMinutes(1));
                await InsertConversationAsync(connection, empty, userId, "no messages", start, 0, null);
                // Stored in this order, the two conversations' messages interleaved as concurrent users' are.
                var generation1 = Guid.NewGuid();
                var generation2 = Guid.NewGuid();
                await InsertUserMessageAsync(connection, lineMessages[0], line, "What is a tree?", generation1, start);
                await InsertAnswerAsync(connection, lineMessages[1], line, "(GoChatAi stand-in model) A tree.", generation1, start);
                await InsertUserMessageAsync(connection, singleMessage, single, "Stored with SendMessage", null, start.AddMinutes(1));
                await InsertUserMessageAsync(connection, lineMessages[2], line, "And a forest?", generation2, start.AddMinutes(2));
                await InsertAnswerAsync(connection, lineMessages[3], line, "(GoChatAi stand-in model) Many trees.", generation2, start.AddMinutes(2));
                await InsertUserMessageAsync(connection, lineMessages[4], line, "Thanks", null, start.AddMinutes(3));
            }

            var log = await MigrationStep.RunAsync(new Projects.GoChatAi_ChatService().ProjectPath, "chatdb", connectionString);
            // ConversationTrees, and whatever later releases add after it.
            Assert.Contains($"The database {database} is migrated: ", log, StringComparison.Ordinal);
            Assert.Contains("_ConversationTrees", log, StringComparison.Ordinal);

            await using var check = new NpgsqlConnection(connectionString);
            await check.OpenAsync();

            // The schema.
            Assert.Equal(("uuid", "YES"), await ColumnAsync(check, "messages", "ParentId"));
            Assert.Equal("integer", (await ColumnAsync(check, "messages", "Depth")).Type);
            Assert.Equal("uuid", (await ColumnAsync(check, "messages", "BranchId")).Type);
            Assert.Equal("uuid", (await ColumnAsync(check, "conversations", "ActiveLeafId")).Type);
            Assert.Equal("uuid", (await ColumnAsync(check, "branches", "Id")).Type);
            Assert.Equal("uuid", (await ColumnAsync(check, "branches", "ConversationId")).Type);
            Assert.Equal(("uuid", "YES"), await ColumnAsync(check, "branches", "ParentBranchId"));
            Assert.Equal("integer", (await ColumnAsync(check, "branches", "ForkDepth")).Type);
            var history = await ReadAsync(check, "SELECT \"MigrationId\" FROM \"__EFMigrationsHistory\" ORDER BY \"MigrationId\"", r => r.GetString(0));
            var before = history.FindIndex(id => id.EndsWith("_" + ReleaseBefore, StringComparison.Ordinal));
            Assert.EndsWith("_ConversationTrees", history[before + 1], StringComparison.Ordinal);

            // The line: each message follows the one stored before it, at its depth, all in the first message's branch.
            var rows = await ReadAsync(check,
                $"SELECT \"Id\", \"ParentId\", \"Depth\", \"BranchId\", \"Content\" FROM messages WHERE \"ConversationId\" = '{line}' ORDER BY \"Position\"",
                r => (Id: r.GetGuid(0), Parent: r.IsDBNull(1) ? (Guid?)null : r.GetGuid(1), Depth: r.GetInt32(2), Branch: r.GetGuid(3), Content: r.GetString(4)));
            Assert.Equal(lineMessages, rows.Select(r => r.Id));
            Assert.Equal([null, lineMessages[0], lineMessages[1], lineMessages[2], lineMessages[3]], rows.Select(r => r.Parent));
            Assert.Equal([0, 1, 2, 3, 4], rows.Select(r => r.Depth));
            Assert.All(rows, r => Assert.Equal(lineMessages[0], r.Branch));
            Assert.Equal("And a forest?", rows[2].Content);

            var singleRow = Assert.Single(await ReadAsync(check,
                $"SELECT \"ParentId\", \"Depth\", \"BranchId\" FROM messages WHERE \"ConversationId\" = '{single}'",
                r => (Parent: r.IsDBNull(0) ? (Guid?)null : r.GetGuid(0), Depth: r.GetInt32(1), Branch: r.GetGuid(2))));
            Assert.Equal(((Guid?)null, 0, singleMessage), singleRow);

            // One branch per conversation with messages, a first line: no parent branch, fork depth -1.
            var branches = await ReadAsync(check,
                "SELECT \"Id\", \"ConversationId\", \"ParentBranchId\", \"ForkDepth\" FROM branches ORDER BY \"ConversationId\" = @line DESC",
                r => (Id: r.GetGuid(0), Conversation: r.GetGuid(1), ParentBranch: r.IsDBNull(2) ? (Guid?)null : r.GetGuid(2), ForkDepth: r.GetInt32(3)),
                ("line", line));
            Assert.Equal(
                [(lineMessages[0], line, (Guid?)null, -1), (singleMessage, single, (Guid?)null, -1)],
                branches);

            // The newest message is the active leaf; a conversation without messages has none.
            var leaves = await ReadAsync(check,
                $"SELECT \"Id\", \"ActiveLeafId\", \"MessageCount\" FROM conversations WHERE \"UserId\" = '{userId}'",
                r => (Id: r.GetGuid(0), Leaf: r.IsDBNull(1) ? (Guid?)null : r.GetGuid(1), Count: r.GetInt32(2)));
            Assert.Equal(3, leaves.Count);
            Assert.Equal((lineMessages[4], 5), leaves.Where(c => c.Id == line).Select(c => (c.Leaf, c.Count)).Single());
            Assert.Equal((singleMessage, 1), leaves.Where(c => c.Id == single).Select(c => (c.Leaf, c.Count)).Single());
            Assert.Equal(((Guid?)null, 0), leaves.Where(c => c.Id == empty).Select(c => (c.Leaf, c.Count)).Single());
        }
        finally
        {
            await ServiceDatabase.DropAsync(connectionString);
        }
    }

    /// <summary>Creates the database and brings it to <paramref name="target"/> with this build's migrations.</summary>
    private static async Task MigrateToAsync(string connectionString, string target)
    {
        var options = new DbContextOptionsBuilder<ChatDbContext>().UseNpgsql(connectionString).Options;
        await using var context = new ChatDbContext(options);
        await context.GetService<IRelationalDatabaseCreator>().CreateAsync();
        await context.GetService<IMigrator>().MigrateAsync(target);
        var applied = (await context.Database.GetAppliedMigrationsAsync()).ToList();
        Assert.EndsWith("_" + target, applied[^1], StringComparison.Ordinal);
    }

    // The rows as the release before wrote them: its columns only, Position from its identity.

    private static Task InsertConversationAsync(
        NpgsqlConnection connection, Guid id, Guid userId, string title, DateTimeOffset created, int messageCount, DateTimeOffset? lastMessageAt) =>
        ExecuteAsync(connection,
            """
            INSERT INTO conversations ("Id", "UserId", "Title", "SystemPrompt", "Model", "CreatedAt", "UpdatedAt", "LastActivityAt", "LastMessageAt", "MessageCount")
            VALUES (@id, @user, @title, NULL, 'stand-in', @created, @created, @activity, @last, @count)
            """,
            ("id", id), ("user", userId), ("title", title), ("created", created), ("activity", lastMessageAt ?? created),
            ("last", lastMessageAt is { } last ? last : DBNull.Value), ("count", messageCount));

    private static Task InsertUserMessageAsync(NpgsqlConnection connection, Guid id, Guid conversationId, string content, Guid? generationId, DateTimeOffset created) =>
        ExecuteAsync(connection,
            """
            INSERT INTO messages ("Id", "ConversationId", "Role", "Content", "Status", "FinishReason", "Model", "PromptTokens", "CompletionTokens", "TokenCount", "GenerationId", "CreatedAt")
            VALUES (@id, @conversation, 'User', @content, 'Finished', NULL, NULL, NULL, NULL, @tokens, @generation, @created)
            """,
            ("id", id), ("conversation", conversationId), ("content", content), ("tokens", 4 + content.Length / 4),
            ("generation", generationId is { } generation ? generation : DBNull.Value), ("created", created));

    private static Task InsertAnswerAsync(NpgsqlConnection connection, Guid id, Guid conversationId, string content, Guid generationId, DateTimeOffset created) =>
        ExecuteAsync(connection,
            """
            INSERT INTO messages ("Id", "ConversationId", "Role", "Content", "Status", "FinishReason", "Model", "PromptTokens", "CompletionTokens", "TokenCount", "GenerationId", "CreatedAt")
            VALUES (@id, @conversation, 'Assistant', @content, 'Finished', 'Stop', 'stand-in', 20, 5, @tokens, @generation, @created)
            """,
            ("id", id), ("conversation", conversationId), ("content", content), ("tokens", 4 + content.Length / 4),
            ("generation", generationId), ("created", created));

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }

    private static async Task<List<T>> ReadAsync<T>(NpgsqlConnection connection, string sql, Func<NpgsqlDataReader, T> read, params (string Name, object Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<T>();
        while (await reader.ReadAsync())
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    /// <summary>A column's data type and whether it is nullable, as information_schema says.</summary>
    private static async Task<(string Type, string Nullable)> ColumnAsync(NpgsqlConnection connection, string table, string column)
    {
        var found = await ReadAsync(connection,
            "SELECT data_type, is_nullable FROM information_schema.columns WHERE table_schema = 'public' AND table_name = @table AND column_name = @column",
            r => (r.GetString(0), r.GetString(1)),
            ("table", table), ("column", column));
        Assert.True(found.Count == 1, $"{table}.\"{column}\" does not exist");
        return found[0];
    }

}
