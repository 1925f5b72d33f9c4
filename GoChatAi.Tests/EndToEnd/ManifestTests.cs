using System.Diagnostics;
using System.Text.Json.Nodes;
using GoChatAi.Tests.Infrastructure;

namespace GoChatAi.Tests.EndToEnd;

/// <summary>
/// The manifest that azd and aspirate deploy, written by the README's own command: PostgreSQL with one database
/// per service, Redis, and both services with their REST and gRPC endpoints and references.
/// </summary>
public sealed class ManifestTests : IAsyncLifetime
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"gochatai-manifest-{Guid.NewGuid():N}.json");
    private JsonObject _resources = null!;

    public async Task InitializeAsync()
    {
        using var process = Process.Start(BuiltProject.Run(Projects.GoChatAi_AppHost.ProjectPath, "--publisher", "manifest", "--output-path", _path))!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
        Assert.True(process.ExitCode == 0, $"The manifest command failed: {await output}{await errors}");

        _resources = JsonNode.Parse(await File.ReadAllTextAsync(_path))!["resources"]!.AsObject();
    }

    public Task DisposeAsync()
    {
        File.Delete(_path);
        return Task.CompletedTask;
    }

    [Fact]
    public void Postgres_serves_one_database_per_service()
    {
        Assert.StartsWith("container.", (string)_resources["postgres"]!["type"]!);
        Assert.Equal("{postgres.connectionString};Database=authdb", (string)_resources["authdb"]!["connectionString"]!);
        Assert.Equal("{postgres.connectionString};Database=chatdb", (string)_resources["chatdb"]!["connectionString"]!);
    }

    [Fact]
    public void Redis_is_a_container_named_cache()
    {
        Assert.StartsWith("container.", (string)_resources["cache"]!["type"]!);
        Assert.Contains("redis", (string)_resources["cache"]!["image"]!);
    }

    [Theory]
    [InlineData("authservice", "authdb")]
    [InlineData("chatservice", "chatdb")]
    public void Each_service_has_its_endpoints_database_and_cache(string service, string database)
    {
        var resource = _resources[service]!;
        Assert.StartsWith("project", (string)resource["type"]!);

        var bindings = resource["bindings"]!.AsObject();
        Assert.True(bindings.ContainsKey("http"), "the REST endpoint is missing");
        Assert.True(bindings.ContainsKey("grpc"), "the gRPC endpoint is missing");
        Assert.Equal("http2", (string)bindings["grpc"]!["transport"]!);
        Assert.False(bindings.ContainsKey("https"), "nothing listens on an https binding");

        var env = resource["env"]!.AsObject();
        Assert.Equal($"{{{database}.connectionString}}", (string)env[$"ConnectionStrings__{database}"]!);
        Assert.Equal("{cache.connectionString}", (string)env["ConnectionStrings__cache"]!);
    }

    [Fact]
    public void The_chat_service_finds_the_auth_service_by_service_discovery()
    {
        var env = _resources["chatservice"]!["env"]!.AsObject();
        Assert.Contains(env, variable => variable.Key.StartsWith("services__authservice__", StringComparison.Ordinal));
    }
}
