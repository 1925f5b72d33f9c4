using GoChatAi.ChatService.Infrastructure;

namespace GoChatAi.ChatService.Extensions;

/// <summary>The ChatService's own database, and its migration step.</summary>
public static class ChatDatabase
{
    /// <summary>The name of its connection string (and of the database the AppHost makes).</summary>
    public const string Name = "chatdb";

    /// <summary>
    /// The migration step, run as <c>GoChatAi.ChatService migrate</c>: creates chatdb when it does not exist, applies the
    /// migrations it lacks, and returns the exit code (0 when its schema is at this release).
    /// </summary>
    public static Task<int> MigrateAsync(string[] args) => DatabaseMigrationCommand.RunAsync<ChatDbContext>(args, Name);
}
