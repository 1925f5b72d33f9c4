using System.Diagnostics;

namespace GoChatAi.Tests.Infrastructure;

/// <summary>Starts one of the solution's projects as its own process, from the build the tests already made.</summary>
public static class BuiltProject
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    /// <summary><c>dotnet run --no-build</c> of <paramref name="projectPath"/> without its launch profile, output redirected.</summary>
    public static ProcessStartInfo Run(string projectPath, params string[] arguments)
    {
        string[] run = ["run", "--project", projectPath, "--no-build", "-c", Configuration, "--no-launch-profile"];
        return new ProcessStartInfo("dotnet", arguments.Length == 0 ? run : [.. run, "--", .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
    }
}
