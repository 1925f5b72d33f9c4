using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace GoChatAi.Tests.Infrastructure;

/// <summary>
/// The stand-in model on its own, for tests of the stand-in itself: started from the build the tests made, in
/// Development (so that its journal answers), on a port of its own, with a key. No AppHost, no database.
/// </summary>
public sealed class StandInModelProcess : IAsyncLifetime
{
    public const string ApiKey = "stand-in-tests-key";

    private readonly List<string> _output = [];
    private Process? _process;

    /// <summary>The root of the stand-in, <c>http://127.0.0.1:port/</c>; OpenAI's base address is <see cref="OpenAiEndpoint"/>.</summary>
    public Uri Root { get; private set; } = null!;

    public Uri OpenAiEndpoint => new(Root, "v1");

    public HttpClient Http { get; } = new();

    public async Task InitializeAsync()
    {
        var port = FreePort();
        Root = new Uri($"http://127.0.0.1:{port}/");
        var start = BuiltProject.Run(new Projects.GoChatAi_DevModel().ProjectPath);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["Kestrel__Endpoints__http__Url"] = Root.ToString().TrimEnd('/');
        start.Environment["DevModel__ApiKey"] = ApiKey;
        _process = Process.Start(start)!;
        // Read, so that a full pipe never stalls the server; kept for the message when it does not start.
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var deadline = new CancellationTokenSource(GoChatAiAppFixture.StepTimeout);
        while (true)
        {
            if (_process.HasExited)
                Assert.Fail($"The stand-in exited with {_process.ExitCode}:\n{Output()}");
            try
            {
                using var health = await Http.GetAsync(new Uri(Root, "health"), deadline.Token);
                if (health.StatusCode == HttpStatusCode.OK)
                    return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                Assert.Fail($"The stand-in was not healthy within {GoChatAiAppFixture.StepTimeout}:\n{Output()}");
            }

            await Task.Delay(100, deadline.Token);
        }
    }

    /// <summary>The journal's entries of a key, once the stand-in has finished all of them (polling, with a deadline).</summary>
    public async Task<List<JsonObject>> FinishedRequestsAsync(string key)
    {
        using var deadline = new CancellationTokenSource(GoChatAiAppFixture.StepTimeout);
        while (true)
        {
            var entries = await Http.GetFromJsonAsync<JsonArray>(new Uri(Root, $"_devmodel/requests?key={Uri.EscapeDataString(key)}"), deadline.Token);
            var requests = entries!.Select(entry => entry!.AsObject()).ToList();
            if (requests.Count > 0 && requests.All(request => !(bool)request["inProgress"]!))
                return requests;

            await Task.Delay(50, deadline.Token);
        }
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (_process is null)
            return;
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync().WaitAsync(GoChatAiAppFixture.StepTimeout);
        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null)
            return;
        lock (_output)
            _output.Add(line);
    }

    private string Output()
    {
        lock (_output)
            return string.Join('\n', _output);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
