using System.Diagnostics;
using System.Text.Json;

namespace GoChatAi.AppHost.Infrastructure;

/// <summary>Finds the server programs local mode runs.</summary>
internal static class LocalBinaries
{
    /// <summary>The dotnet host running this AppHost, so that Garnet runs on the same runtime.</summary>
    public static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    /// <summary>The folder holding initdb, postgres and pg_ctl: from PATH, else the newest Debian-style install.</summary>
    public static string? FindPostgres()
    {
        if (FindOnPath("postgres") is { } onPath && IsPostgresBin(Path.GetDirectoryName(onPath)!))
        {
            return Path.GetDirectoryName(onPath);
        }

        const string debianRoot = "/usr/lib/postgresql";
        if (!Directory.Exists(debianRoot))
        {
            return null;
        }

        return Directory.EnumerateDirectories(debianRoot)
            .Select(version => Path.Combine(version, "bin"))
            .Where(IsPostgresBin)
            .OrderByDescending(bin => int.TryParse(Path.GetFileName(Path.GetDirectoryName(bin)), out var major) ? major : 0)
            .FirstOrDefault();
    }

    /// <summary>GarnetServer.dll of the garnet-server version pinned in the repository's tool manifest, once restored.</summary>
    public static string? FindGarnet(string repositoryRoot)
    {
        var manifest = Path.Combine(repositoryRoot, ".config", "dotnet-tools.json");
        if (!File.Exists(manifest))
        {
            return null;
        }

        using var document = JsonDocument.Parse(File.ReadAllText(manifest));
        if (!document.RootElement.GetProperty("tools").TryGetProperty("garnet-server", out var tool))
        {
            return null;
        }

        var version = tool.GetProperty("version").GetString()!;
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var tools = Path.Combine(packages, "garnet-server", version, "tools");
        return Directory.Exists(tools)
            ? Directory.EnumerateFiles(tools, "GarnetServer.dll", SearchOption.AllDirectories).OrderDescending().FirstOrDefault()
            : null;
    }

    public static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);

    /// <summary>Runs a short command to its end and gives its exit code.</summary>
    public static int Run(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException($"Could not start {program}.");
        process.WaitForExit();
        return process.ExitCode;
    }

    private static readonly string[] PostgresPrograms = ["initdb", "postgres", "pg_ctl"];

    private static bool IsPostgresBin(string directory) =>
        PostgresPrograms.All(program => File.Exists(Path.Combine(directory, program)));
}
