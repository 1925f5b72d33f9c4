using System.Diagnostics;
using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace GoChatAi.Tests.Infrastructure;

/// <summary>
/// The operating-system processes behind one of the AppHost's resources (a service, the database, the cache
/// server), to freeze, thaw or kill as a fault would: whatever the resource runs (dotnet run and the service,
/// runuser and postgres with its workers), every process of it is signalled.
/// </summary>
public sealed class ResourceProcesses(GoChatAiAppFixture fixture, string resource)
{
    /// <summary>Stops every process of the resource where it stands (SIGSTOP): it neither answers nor closes connections.</summary>
    public Task FreezeAsync() => SignalAsync("STOP");

    /// <summary>Lets frozen processes run again (SIGCONT).</summary>
    public Task ThawAsync() => SignalAsync("CONT");

    /// <summary>
    /// Ends every process of the resource at once (SIGKILL), as a crash or an out-of-memory kill would, and waits
    /// until they are gone and the AppHost has seen the resource exit (a start before that fails).
    /// </summary>
    public async Task KillAsync()
    {
        var processes = await ProcessesAsync();
        await SignalAsync("KILL", processes);
        await WaitUntilGoneAsync(processes);
    }

    /// <summary>
    /// Stops the resource with the AppHost's stop command and waits until every one of its processes has exited
    /// (a start that follows finds its fixed port free) and the AppHost has seen it stop (a start while it still
    /// says "Stopping" fails).
    /// </summary>
    public async Task StopAsync()
    {
        var processes = await ProcessesAsync();
        await fixture.App.ResourceCommands.ExecuteCommandAsync(resource, KnownResourceCommands.StopCommand).WaitAsync(GoChatAiAppFixture.StepTimeout);
        await WaitUntilGoneAsync(processes);
    }

    /// <summary>
    /// Starts the resource with the AppHost's start command and waits until it is healthy. A server that was just
    /// stopped can find its fixed port still held by the connections it closed (TIME_WAIT) and exit at once, and the
    /// AppHost may not take the command while it still says "Stopping": it is started again then, as an operator
    /// would, until the step's deadline.
    /// </summary>
    public async Task StartAsync()
    {
        using var deadline = new CancellationTokenSource(GoChatAiAppFixture.StepTimeout);
        for (var attempt = 1; ; attempt++)
        {
            var start = await fixture.App.ResourceCommands.ExecuteCommandAsync(resource, KnownResourceCommands.StartCommand, deadline.Token);
            if (start.Success)
            {
                try
                {
                    await fixture.App.ResourceNotifications.WaitForResourceHealthyAsync(resource, deadline.Token);
                    return;
                }
                catch (DistributedApplicationException)
                {
                    // "failed to start": started again below.
                }
            }

            await Task.Delay(TimeSpan.FromSeconds(Math.Min(attempt, 5)), deadline.Token);
        }
    }

    private async Task SignalAsync(string signal) => await SignalAsync(signal, await ProcessesAsync());

    private static async Task SignalAsync(string signal, List<int> processes)
    {
        var pids = processes.Select(p => p.ToString(CultureInfo.InvariantCulture));
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal, .. pids]) { RedirectStandardError = true })!;
        await kill.WaitForExitAsync();
    }

    private async Task WaitUntilGoneAsync(List<int> processes)
    {
        using var deadline = new CancellationTokenSource(GoChatAiAppFixture.StepTimeout);
        while (processes.Exists(pid => Directory.Exists($"/proc/{pid}")))
        {
            await Task.Delay(100, deadline.Token);
        }

        // "Unknown" is what a slow stop can leave behind with nothing running; Aspire takes it as stopped too.
        await fixture.App.ResourceNotifications.WaitForResourceAsync(resource, [.. KnownResourceStates.TerminalStates, "Unknown"], deadline.Token);
    }

    private async Task<List<int>> ProcessesAsync()
    {
        var root = await RootPidAsync();
        return Descendants(root).Prepend(root).ToList();
    }

    private async Task<int> RootPidAsync()
    {
        using var deadline = new CancellationTokenSource(GoChatAiAppFixture.StepTimeout);
        await foreach (var update in fixture.App.ResourceNotifications.WatchAsync(deadline.Token))
        {
            if (update.Resource.Name == resource
                && update.Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value is { } value
                && int.TryParse(value.ToString(), CultureInfo.InvariantCulture, out var pid))
            {
                return pid;
            }
        }

        throw new InvalidOperationException($"The resource {resource} has no process.");
    }

    /// <summary>Every process below <paramref name="root"/>, read from /proc.</summary>
    private static List<int> Descendants(int root)
    {
        var children = new Dictionary<int, List<int>>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                // The parent is the fourth field, after the command name in parentheses (which may hold spaces).
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var parent = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
                (children.TryGetValue(parent, out var list) ? list : children[parent] = []).Add(pid);
            }
            catch (IOException)
            {
                // The process ended meanwhile.
            }
        }

        var found = new List<int>();
        var pending = new Queue<int>([root]);
        while (pending.TryDequeue(out var pid))
        {
            foreach (var child in children.GetValueOrDefault(pid) ?? [])
            {
                found.Add(child);
                pending.Enqueue(child);
            }
        }

        return found;
    }
}
