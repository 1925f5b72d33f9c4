using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace GoChatAi.Tests.Infrastructure;

/// <summary>
/// The AuthService started the way production starts it: Production environment, configuration from the
/// environment only, on ports of its own, against a database of the collection's PostgreSQL and the collection's
/// cache. Its console lines are kept for the test to read.
/// </summary>
public sealed class ProductionAuthService : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];

    private ProductionAuthService(Process process, int httpPort, int grpcPort)
    {
        _process = process;
        HttpPort = httpPort;
        GrpcPort = grpcPort;
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_lines)
                {
                    _lines.Add(e.Data);
                }
            }
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int HttpPort { get; }

    public int GrpcPort { get; }

    /// <summary>Every line written to standard output so far.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    public static async Task<ProductionAuthService> StartAsync(GoChatAiAppFixture fixture, string? authdbConnectionString, string signingKeyPassword)
    {
        var (httpPort, grpcPort) = (FreePort(), FreePort());
        var start = BuiltProject.Run(new Projects.GoChatAi_AuthService().ProjectPath);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Kestrel__Endpoints__http__Url"] = $"http://127.0.0.1:{httpPort}";
        start.Environment["Kestrel__Endpoints__grpc__Url"] = $"http://127.0.0.1:{grpcPort}";
        start.Environment["ConnectionStrings__authdb"] = authdbConnectionString;
        start.Environment["ConnectionStrings__cache"] = await fixture.App.GetConnectionStringAsync("cache");
        start.Environment["Auth__SigningKeyPassword"] = signingKeyPassword;
        start.Environment["Shutdown__DrainDelay"] = "00:00:00";
        return new ProductionAuthService(Process.Start(start)!, httpPort, grpcPort);
    }

    /// <summary>The first line that matches, once it has been written (within the step timeout).</summary>
    public async Task<string> LogLineAsync(Func<string, bool> match)
    {
        using var deadline = new CancellationTokenSource(GoChatAiAppFixture.StepTimeout);
        while (true)
        {
            if (Lines.FirstOrDefault(match) is { } line)
            {
                return line;
            }

            await Task.Delay(100, deadline.Token);
        }
    }

    /// <summary>Ends the process and waits until it is gone.</summary>
    public async Task StopAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync().WaitAsync(GoChatAiAppFixture.StepTimeout);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
