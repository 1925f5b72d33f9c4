using System.Diagnostics;
using GoChatAi.Tests.Infrastructure;

namespace GoChatAi.Tests.EndToEnd;

/// <summary>When no way to get PostgreSQL and Redis can work, the AppHost stops at once and says what to do.</summary>
public sealed class AppHostModeTests
{
    [Theory]
    [InlineData("bogus", "use --infra containers, local or external")]
    [InlineData("external", "External mode needs the connection strings ConnectionStrings__authdb")]
    public async Task An_impossible_mode_stops_the_app_host_with_one_sentence(string mode, string expected)
    {
        var startInfo = BuiltProject.Run(Projects.GoChatAi_AppHost.ProjectPath, "--infra", mode);
        foreach (var name in new[] { "authdb", "chatdb", "cache" })
        {
            startInfo.Environment.Remove($"ConnectionStrings__{name}");
        }

        using var process = Process.Start(startInfo)!;
        var errors = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));

        Assert.Equal(1, process.ExitCode);
        var message = (await errors).Trim();
        Assert.Contains(expected, message, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", message, StringComparison.Ordinal);
        Assert.Equal("", (await output).Trim());
    }
}
