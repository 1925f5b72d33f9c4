using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GoChatAi.Tests.Infrastructure;

/// <summary>
/// The whole system booted once per test collection through the real AppHost, in local mode: PostgreSQL from
/// the machine's binaries, Redis (or Garnet), both services. Each run gets a fresh state folder, so no test
/// sees another run's data.
/// </summary>
public sealed class GoChatAiAppFixture : IAsyncLifetime
{
    /// <summary>Every Aspire step gets a deadline: a wait that hangs must fail the run, not stall it.</summary>
    public static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(3);

    /// <summary>How long the ChatService lets the model stay silent (Model:Timeout), shorter than its 60 s default.</summary>
    public static readonly TimeSpan ModelTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The largest file the ChatService imports in the tests (Chat:MaxImportBytes).</summary>
    public const int ImportLimitBytes = 1024 * 1024;

    /// <summary>The first administrator the AppHost creates (its parameters, set here instead of generated).</summary>
    public const string AdminEmail = "admin@tests.gochatai.local";
    public const string AdminPassword = "tests-admin-password-0123456789";

    private readonly string _stateDirectory = Path.Combine(Path.GetTempPath(), "gochatai-tests", Guid.NewGuid().ToString("N"));
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, GrpcChannel> _channels = new();

    public DistributedApplication App { get; private set; } = null!;

    /// <summary>Where the ChatService sends its traces (OTLP), so that a test can find a request's whole trace.</summary>
    public OtlpTraceReceiver Traces { get; } = new();

    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _appHostWarnings = new();

    /// <summary>What the AppHost itself (Aspire's hosting, not a resource) logged at Warning or worse until the services were healthy.</summary>
    public IReadOnlyList<string> StartupAppHostWarnings { get; private set; } = [];

    public async Task InitializeAsync()
    {
        // The postgres account must be able to reach the data folder, so it is not private to root.
        Directory.CreateDirectory(_stateDirectory);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(_stateDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }

        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.GoChatAi_AppHost>(
            [
                "--infra", "local",
                $"--LocalInfrastructure:StateDirectory={_stateDirectory}",
                $"--Parameters:admin-email={AdminEmail}",
                $"--Parameters:admin-password={AdminPassword}",
            ])
            .WaitAsync(StepTimeout);
        // A refresh token reused after this window counts as a replay; short, so that tests need not wait long.
        builder.CreateResourceBuilder<ProjectResource>("authservice")
            .WithEnvironment("Auth__RefreshRaceWindow", "00:00:01");
        // The ChatService exports over OTLP to the fixture's receiver, as it would to the dashboard or a collector;
        // batches leave every 200 ms, so that a test finds its trace soon after its call.
        builder.CreateResourceBuilder<ProjectResource>("chatservice")
            .WithEnvironment("OTEL_EXPORTER_OTLP_ENDPOINT", Traces.Endpoint.ToString().TrimEnd('/'))
            .WithEnvironment("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
            .WithEnvironment("OTEL_BSP_SCHEDULE_DELAY", "200")
            // A model silent this long fails the call (DEADLINE_EXCEEDED); the stand-in answers within milliseconds
            // otherwise, so only the test that asks it to stay silent waits this out.
            .WithEnvironment("Model__Timeout", ModelTimeout.ToString("c", System.Globalization.CultureInfo.InvariantCulture))
            // Answers whose replica died are ended after this: short, so that fault tests need not wait long.
            .WithEnvironment("Chat__GenerationLease", "00:00:04")
            // Idle event streams send a heartbeat this often: the shortest allowed, so that a test sees one soon.
            .WithEnvironment("Chat__HeartbeatInterval", "00:00:01")
            // Imported files are refused past this (64 MiB in production): small, so that a test sends one too large cheaply.
            .WithEnvironment("Chat__MaxImportBytes", ImportLimitBytes.ToString(System.Globalization.CultureInfo.InvariantCulture))
            // Readiness turns false this long before running answers are cut, as in production (where it is 5 s); long
            // enough that a readiness probe on a loaded CI machine answers within it (at 1 s one answered nothing).
            .WithEnvironment("Shutdown__DrainDelay", "00:00:03");
        builder.Services.AddLogging(logging => logging
            .SetMinimumLevel(LogLevel.Warning)
            .AddProvider(new WarningRecorder(_appHostWarnings))
            .AddFilter<WarningRecorder>("", LogLevel.None)
            .AddFilter<WarningRecorder>("Aspire.Hosting", LogLevel.Warning)
            .AddFilter("Aspire.Hosting.Dcp", LogLevel.Error)
            // The servers write their ordinary chatter to stderr, which would read as errors.
            .AddFilter("GoChatAi.AppHost.Resources.postgres", LogLevel.None)
            .AddFilter("GoChatAi.AppHost.Resources.garnet", LogLevel.None)
            .AddFilter("GoChatAi.AppHost.Resources.redis", LogLevel.None));

        App = await builder.BuildAsync().WaitAsync(StepTimeout);
        await App.StartAsync().WaitAsync(StepTimeout);
        await WaitUntilHealthyAsync("authservice", "chatservice", "web");
        StartupLogs = await ConsoleLogsAsync(StartupResources);
        StartupAppHostWarnings = [.. _appHostWarnings];
    }

    /// <summary>The resources whose console a clean start must keep free of warnings and errors.</summary>
    public static readonly string[] StartupResources = ["authdb-migrations", "chatdb-migrations", "authservice", "chatservice", "devmodel", "web"];

    /// <summary>What <see cref="StartupResources"/> wrote to their consoles until both services were healthy, by resource.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> StartupLogs { get; private set; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>Every line the resources have written to their consoles so far.</summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> ConsoleLogsAsync(params string[] resources)
    {
        var loggers = App.Services.GetRequiredService<ResourceLoggerService>();
        var model = App.Services.GetRequiredService<DistributedApplicationModel>();
        using var deadline = new CancellationTokenSource(StepTimeout);
        var logs = new Dictionary<string, IReadOnlyList<string>>();
        foreach (var resource in resources)
        {
            var lines = new List<string>();
            // By the resource, which knows the names its replicas run under; a name alone finds no log.
            await foreach (var batch in loggers.GetAllAsync(model.Resources.Single(r => r.Name == resource)).WithCancellation(deadline.Token))
            {
                lines.AddRange(batch.Select(line => line.Content));
            }

            logs[resource] = lines;
        }

        return logs;
    }

    public Task WaitUntilHealthyAsync(params string[] resources) =>
        Task.WhenAll(resources.Select(resource =>
            App.ResourceNotifications.WaitForResourceHealthyAsync(resource).WaitAsync(StepTimeout)));

    /// <summary>A client for a service's REST endpoint (HTTP/1.1, JSON transcoding).</summary>
    public HttpClient CreateRestClient(string service) => App.CreateHttpClient(service, "http");

    /// <summary>
    /// A client for a service's REST endpoint that bypasses the AppHost's proxy, which stops forwarding new
    /// connections as soon as the service begins to stop: what a load balancer probing the pod itself would see.
    /// </summary>
    public async Task<HttpClient> CreateDirectRestClientAsync(string service)
    {
        using var deadline = new CancellationTokenSource(StepTimeout);
        await foreach (var update in App.ResourceNotifications.WatchAsync(deadline.Token))
        {
            if (update.Resource.Name == service
                && update.Snapshot.EnvironmentVariables.FirstOrDefault(v => v.Name == "Kestrel__Endpoints__http__Url")?.Value is { } url)
            {
                return new HttpClient { BaseAddress = new Uri(url.Replace("*", "localhost", StringComparison.Ordinal)) };
            }
        }

        throw new InvalidOperationException($"{service} has no http endpoint.");
    }

    /// <summary>The channel to a service's gRPC endpoint (HTTP/2 without TLS), shared by the collection's tests.</summary>
    public GrpcChannel CreateGrpcChannel(string service) =>
        _channels.GetOrAdd(service, name => GrpcChannel.ForAddress(App.GetEndpoint(name, "grpc")));

    public async Task DisposeAsync()
    {
        foreach (var channel in _channels.Values)
        {
            channel.Dispose();
        }

        if (App is not null)
        {
            await App.StopAsync().WaitAsync(StepTimeout);
            await App.DisposeAsync();
        }

        await Traces.DisposeAsync();
        try
        {
            Directory.Delete(_stateDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A server still flushing its last files; the folder is under the temp directory anyway.
        }
    }
}

/// <summary>
/// The tests that share one running system. The browser is a second fixture of the same collection rather than a
/// collection of its own, which would boot a second AppHost (on the same fixed ports, one after the other); it
/// starts only when a test first opens a page.
/// </summary>
[CollectionDefinition(Name)]
public sealed class GoChatAiAppCollection : ICollectionFixture<GoChatAiAppFixture>, ICollectionFixture<BrowserFixture>
{
    public const string Name = "GoChatAi app";
}
