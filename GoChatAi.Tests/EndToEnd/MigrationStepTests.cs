using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Aspire.Hosting.ApplicationModel;
using GoChatAi.Tests.Infrastructure;
using Npgsql;

namespace GoChatAi.Tests.EndToEnd;

/// <summary>
/// The migration step: each service's own binary run with <c>migrate</c>, once, before the services start (the
/// AppHost's <c>authdb-migrations</c> and <c>chatdb-migrations</c>). A clean start runs it and logs nothing worse than
/// information; a service whose database lacks migrations stays not ready, says why, and turns ready by itself once
/// the step has run.
/// </summary>
[Collection(GoChatAiAppCollection.Name)]
public sealed partial class MigrationStepTests(GoChatAiAppFixture fixture)
{
    [Theory]
    [InlineData("authdb-migrations", "authdb")]
    [InlineData("chatdb-migrations", "chatdb")]
    public void The_migration_step_ran_to_completion_before_the_services(string resource, string database)
    {
        Assert.True(fixture.App.ResourceNotifications.TryGetCurrentState(resource, out var step), $"{resource} is not a resource");
        Assert.Equal(KnownResourceStates.Finished, step.Snapshot.State?.Text);
        Assert.Equal(0, step.Snapshot.ExitCode);
        Assert.Contains(fixture.StartupLogs[resource], line => line.Contains($"The database {database} is migrated", StringComparison.Ordinal));
    }

    [Fact]
    public void A_clean_start_logs_no_warning_in_the_apphost_itself() =>
        // Where no development certificate is trusted (a fresh machine), Aspire warns about it unless no resource
        // needs one: the resources serve plain HTTP and say so.
        Assert.Empty(fixture.StartupAppHostWarnings);

    [Fact]
    public void A_clean_start_logs_no_warning_and_no_error()
    {
        foreach (var (resource, lines) in fixture.StartupLogs)
        {
            Assert.NotEmpty(lines);
            var bad = lines.Select(line => AnsiColours().Replace(line, "")).Where(line => WarningOrWorse().IsMatch(line)).ToList();
            Assert.True(bad.Count == 0, $"{resource} logged at start:\n{string.Join("\n", bad)}");
        }
    }

    [Fact]
    public async Task A_service_on_an_unmigrated_database_is_not_ready_until_the_migration_step_has_run()
    {
        var database = $"authdb_unmigrated_{Guid.NewGuid():N}";
        var connectionString = new NpgsqlConnectionStringBuilder(await fixture.App.GetConnectionStringAsync("authdb")) { Database = database, Pooling = false }.ConnectionString;
        await using var service = await ProductionAuthService.StartAsync(fixture, connectionString, "a migration test signing key password");
        var httpPort = service.HttpPort;
        try
        {
            // Not ready, and it says why in the log, with what to do.
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
            await HttpPolling.UntilStatusAsync(http, "/health/startup", HttpStatusCode.ServiceUnavailable);
            using var warning = JsonDocument.Parse(await service.LogLineAsync(line => line.Contains("DatabaseSchemaCheck", StringComparison.Ordinal)));
            Assert.Equal("Warning", warning.RootElement.GetProperty("LogLevel").GetString());
            var message = warning.RootElement.GetProperty("Message").GetString();
            Assert.StartsWith($"The database {database} lacks 4 migration(s)", message, StringComparison.Ordinal);
            Assert.Contains("'migrate'", message, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync("/health/ready")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live")).StatusCode);

            // The step creates the database, applies every migration, logs nothing worse than information, and ends.
            var first = await MigrationStep.RunAsync(new Projects.GoChatAi_AuthService().ProjectPath, "authdb", connectionString);
            Assert.Contains($"The database {database} did not exist: created it", first, StringComparison.Ordinal);
            Assert.Contains($"The database {database} is migrated: 4 migration(s) applied now", first, StringComparison.Ordinal);

            // The service notices by itself.
            await HttpPolling.UntilStatusAsync(http, "/health/ready", HttpStatusCode.OK);

            // Run again, it has nothing to do.
            var second = await MigrationStep.RunAsync(new Projects.GoChatAi_AuthService().ProjectPath, "authdb", connectionString);
            Assert.Contains($"The database {database} is migrated: 0 migration(s) applied now", second, StringComparison.Ordinal);
        }
        finally
        {
            await service.StopAsync();
            await ServiceDatabase.DropAsync(connectionString);
        }
    }

    [GeneratedRegex(@"\x1b\[[0-9;]*m")]
    private static partial Regex AnsiColours();

    /// <summary>A console logger's warning, error or critical line, or a JSON log entry of those levels.</summary>
    [GeneratedRegex(@"(^|\s)(warn|fail|crit):|""LogLevel"":""(Warning|Error|Critical)""")]
    private static partial Regex WarningOrWorse();
}
