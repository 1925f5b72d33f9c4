using System.Diagnostics;
using Microsoft.Extensions.Configuration;

namespace GoChatAi.AppHost.Infrastructure;

/// <summary>Whether a container engine (not just its client) answers on this machine.</summary>
internal static class ContainerRuntime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    public static bool Answers(IConfiguration configuration)
    {
        // The same setting Aspire itself reads to pick Docker or Podman.
        var runtime = configuration["ASPIRE_CONTAINER_RUNTIME"] is { Length: > 0 } configured ? configured : "docker";
        try
        {
            using var process = Process.Start(new ProcessStartInfo(runtime, ["info", "--format", "{{.ServerVersion}}"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            });
            if (process is null)
            {
                return false;
            }

            if (!process.WaitForExit(Patience))
            {
                process.Kill(entireProcessTree: true);
                return false;
            }

            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // The client is not installed at all.
            return false;
        }
    }
}
