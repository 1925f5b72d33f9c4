using GoChatAi.AuthService.Infrastructure;

namespace GoChatAi.AuthService.Extensions;

/// <summary>The AuthService's own database, and its migration step.</summary>
public static class AuthDatabase
{
    /// <summary>The name of its connection string (and of the database the AppHost makes).</summary>
    public const string Name = "authdb";

    /// <summary>
    /// The migration step, run as <c>GoChatAi.AuthService migrate</c>: creates authdb when it does not exist, applies the
    /// migrations it lacks, and returns the exit code (0 when its schema is at this release).
    /// </summary>
    public static Task<int> MigrateAsync(string[] args) => DatabaseMigrationCommand.RunAsync<AuthDbContext>(args, Name);
}
