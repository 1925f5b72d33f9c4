using System.Diagnostics;
using System.Text.Json;

namespace GoChatAi.Tests.Infrastructure;

/// <summary>A service's migration step (<c>GoChatAi.X migrate</c>), run as a deployment runs it: Production, JSON logs.</summary>
public static class MigrationStep
{
    /// <summary>
    /// Runs the step of the service at <paramref name="projectPath"/> on the database its connection string
    /// <paramref name="connectionName"/> names, and returns its log, which must hold nothing worse than information.
    /// </summary>
    public static async Task<string> RunAsync(string projectPath, string connectionName, string connectionString)
    {
        var step = BuiltProject.Run(projectPath, "migrate");
        step.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        step.Environment[$"ConnectionStrings__{connectionName}"] = connectionString;
        using var process = Process.Start(step)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(GoChatAiAppFixture.StepTimeout);
        var log = await output;
        Assert.True(process.ExitCode == 0, $"The migration step failed ({process.ExitCode}): {log}{await errors}");
        Assert.Equal("", (await errors).Trim());
        foreach (var line in log.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var entry = JsonDocument.Parse(line);
            Assert.Equal("Information", entry.RootElement.GetProperty("LogLevel").GetString());
        }

        return log;
    }
}
