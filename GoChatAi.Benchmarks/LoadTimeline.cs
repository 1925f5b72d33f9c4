using System.Diagnostics;
using System.Globalization;

namespace GoChatAi.Benchmarks;

/// <summary>
/// The machine's CPU time so far (Linux's <c>/proc</c>), in clock ticks: busy and in all, every core together, and
/// each process's own, named for the part of the stack it is.
/// </summary>
public sealed record MachineCpu(long Busy, long Total, IReadOnlyDictionary<int, (string Part, long Ticks)> Processes)
{
    /// <summary>The parts of the stack, in the order the tables show them; a process that is none of them is "other".</summary>
    public static readonly IReadOnlyList<(string Part, string[] CommandContains)> Parts =
    [
        ("ChatService", ["GoChatAi.ChatService"]),
        ("PostgreSQL", ["postgres"]),
        ("cache", ["garnet", "redis-server"]),
        ("stand-in model", ["GoChatAi.DevModel"]),
        ("benchmark", ["GoChatAi.Benchmarks"]),
        ("AuthService", ["GoChatAi.AuthService"]),
        ("web app", ["GoChatAi.Web"]),
        ("AppHost, DCP", ["GoChatAi.AppHost", "dcp"]),
    ];

    public const string Other = "other";

    /// <summary>The machine's CPU time now; null where there is no <c>/proc/stat</c>.</summary>
    public static MachineCpu? Read()
    {
        if (!File.Exists("/proc/stat"))
        {
            return null;
        }

        // "cpu  user nice system idle iowait irq softirq steal guest guest_nice"; guest time is counted in user already.
        var ticks = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..9]
            .Select(field => long.Parse(field, CultureInfo.InvariantCulture)).ToArray();
        var total = ticks.Sum();
        var processes = new Dictionary<int, (string, long)>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && ReadProcess(directory) is { } process)
            {
                processes[pid] = process;
            }
        }

        return new MachineCpu(total - ticks[3] - ticks[4], total, processes);
    }

    private static (string Part, long Ticks)? ReadProcess(string directory)
    {
        try
        {
            // The fields after "pid (comm) ": state is the 1st, utime the 12th, stime the 13th.
            var stat = File.ReadAllText(Path.Combine(directory, "stat"));
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            var command = File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' ');
            var part = Parts.FirstOrDefault(p => p.CommandContains.Any(c => command.Contains(c, StringComparison.Ordinal))).Part ?? Other;
            return (part, ticks);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // Gone meanwhile.
            return null;
        }
    }
}

/// <summary>How many of the machine's cores were busy on average over a stretch of time, in all and per part of the stack.</summary>
public sealed record CoresBusy(double Machine, IReadOnlyDictionary<string, double> Parts)
{
    public double this[string part] => Parts.GetValueOrDefault(part);

    /// <summary>From <paramref name="first"/> to <paramref name="last"/>; null without <c>/proc</c> or time between them.</summary>
    public static CoresBusy? Between(MachineCpu? first, MachineCpu? last)
    {
        if (first is null || last is null || last.Total <= first.Total)
        {
            return null;
        }

        // A core's ticks over the stretch: every process's CPU time is counted in the same clock ticks.
        var cores = Environment.ProcessorCount;
        double Cores(long ticks) => (double)ticks / (last.Total - first.Total) * cores;
        var parts = last.Processes
            .Select(p => (p.Value.Part, Ticks: p.Value.Ticks - (first.Processes.TryGetValue(p.Key, out var before) ? before.Ticks : 0)))
            .GroupBy(p => p.Part)
            .ToDictionary(g => g.Key, g => Cores(g.Sum(p => p.Ticks)));
        return new CoresBusy(Cores(last.Busy - first.Busy), parts);
    }
}

/// <summary>
/// The machine's CPU, every process's, sampled a few times a second while a level runs, so that what they spent
/// up to any moment of it (such as its last start) can be read afterwards; and the ChatService's highest working set.
/// </summary>
public sealed class LoadTimeline
{
    private static readonly TimeSpan _interval = TimeSpan.FromMilliseconds(250);

    private readonly List<(TimeSpan At, MachineCpu? Machine)> _samples = [];

    private LoadTimeline()
    {
    }

    public long? PeakWorkingSet { get; private set; }

    /// <summary>Samples from now until <paramref name="stop"/> is cancelled; the clock starts with the first sample.</summary>
    public static async Task<LoadTimeline> RecordAsync(ChatServiceMetrics chat, Stopwatch clock, CancellationToken stop)
    {
        var timeline = new LoadTimeline();
        using var timer = new PeriodicTimer(_interval);
        try
        {
            do
            {
                var machine = MachineCpu.Read();
                var (workingSet, _) = await chat.SampleAsync(stop);
                timeline._samples.Add((clock.Elapsed, machine));
                if (workingSet > (timeline.PeakWorkingSet ?? 0))
                {
                    timeline.PeakWorkingSet = workingSet;
                }
            }
            while (await timer.WaitForNextTickAsync(stop));
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopped: what was sampled is the answer.
        }

        return timeline;
    }

    /// <summary>
    /// From the first sample to the last one taken by <paramref name="until"/>: how many of the machine's cores were
    /// busy on average, in all and per part of the stack; null without <c>/proc</c> or samples enough.
    /// </summary>
    public CoresBusy? CoresBusyUntil(TimeSpan until) =>
        CoresBusy.Between(_samples.FirstOrDefault().Machine, _samples.LastOrDefault(s => s.At <= until).Machine);
}
