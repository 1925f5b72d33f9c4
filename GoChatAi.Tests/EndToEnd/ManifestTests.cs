using System.Diagnostics;
using System.Text.Json.Nodes;
using GoChatAi.Tests.Infrastructure;

namespace GoChatAi.Tests.EndToEnd;

/// <summary>
/// The manifest that azd and aspirate deploy, written by the README's own command: PostgreSQL with one database
/// per service, Redis, both services with their REST and gRPC endpoints open to clients, the migration step of each
/// database, and the model: the stand-in as a demo when none is configured, else a secret connection string.
/// </summary>
public sealed class ManifestTests(ManifestTests.Manifests manifests) : IClassFixture<ManifestTests.Manifests>
{
    private const string ModelConnectionString = "Endpoint=https://models.example.com/v1;Key=manifest-test-key-never-written;Model=gpt-4o-mini";

    private JsonObject Resources => manifests.Demo;

    [Fact]
    public void Postgres_serves_one_database_per_service()
    {
        Assert.StartsWith("container.", (string)Resources["postgres"]!["type"]!);
        Assert.Equal("{postgres.connectionString};Database=authdb", (string)Resources["authdb"]!["connectionString"]!);
        Assert.Equal("{postgres.connectionString};Database=chatdb", (string)Resources["chatdb"]!["connectionString"]!);
    }

    [Fact]
    public void Redis_is_a_container_named_cache()
    {
        Assert.StartsWith("container.", (string)Resources["cache"]!["type"]!);
        Assert.Contains("redis", (string)Resources["cache"]!["image"]!);
    }

    [Theory]
    [InlineData("authservice", "authdb", 8080, 50051)]
    [InlineData("chatservice", "chatdb", 8081, 50052)]
    public void Each_service_has_its_endpoints_open_to_clients_its_database_and_the_cache(string service, string database, int httpPort, int grpcPort)
    {
        var resource = Resources[service]!;
        Assert.StartsWith("project", (string)resource["type"]!);

        var bindings = resource["bindings"]!.AsObject();
        Assert.Equal(["grpc", "http"], bindings.Select(b => b.Key).Order());
        Assert.Equal("http", (string)bindings["http"]!["transport"]!);
        Assert.Equal("http2", (string)bindings["grpc"]!["transport"]!);
        Assert.Equal(httpPort, (int)bindings["http"]!["targetPort"]!);
        Assert.Equal(grpcPort, (int)bindings["grpc"]!["targetPort"]!);
        // External: what azd and aspirate give an ingress.
        Assert.True((bool?)bindings["http"]!["external"], "the REST endpoint is not external");
        Assert.True((bool?)bindings["grpc"]!["external"], "the gRPC endpoint is not external");

        var env = resource["env"]!.AsObject();
        Assert.Equal($"{{{database}.connectionString}}", (string)env[$"ConnectionStrings__{database}"]!);
        Assert.Equal("{cache.connectionString}", (string)env["ConnectionStrings__cache"]!);
        // What the termination grace period of the README is the sum of.
        Assert.Equal("00:00:05", (string)env["Shutdown__DrainDelay"]!);
        Assert.Equal("00:00:30", (string)env["Shutdown__GracePeriod"]!);
    }

    [Fact]
    public void Nothing_else_is_open_to_clients()
    {
        var external = Resources
            .Where(r => r.Value!["bindings"] is JsonObject bindings && bindings.Any(b => (bool?)b.Value!["external"] == true))
            .Select(r => r.Key)
            .Order();
        Assert.Equal(["authservice", "chatservice", "web"], external);
    }

    [Fact]
    public void The_web_app_is_open_on_its_port_and_reaches_both_services_and_the_cache()
    {
        var web = Resources["web"]!;
        Assert.StartsWith("project", (string)web["type"]!);
        var bindings = web["bindings"]!.AsObject();
        Assert.Equal(["http"], bindings.Select(b => b.Key));
        Assert.Equal(8000, (int)bindings["http"]!["targetPort"]!);
        Assert.True((bool?)bindings["http"]!["external"], "the web app is not external");

        var env = web["env"]!.AsObject();
        Assert.Equal("{cache.connectionString}", (string)env["ConnectionStrings__cache"]!);
        Assert.Contains(env, variable => variable.Key.StartsWith("services__authservice__grpc", StringComparison.Ordinal));
        Assert.Contains(env, variable => variable.Key.StartsWith("services__chatservice__grpc", StringComparison.Ordinal));
        Assert.Equal("00:00:05", (string)env["Shutdown__DrainDelay"]!);
    }

    [Theory]
    [InlineData("authservice", "authdb")]
    [InlineData("chatservice", "chatdb")]
    public void Each_database_has_a_migration_step_run_from_its_services_own_project(string service, string database)
    {
        var step = Resources[$"{database}-migrations"]!;
        Assert.StartsWith("project", (string)step["type"]!);
        Assert.Equal((string)Resources[service]!["path"]!, (string)step["path"]!);
        Assert.Equal(["migrate"], step["args"]!.AsArray().Select(a => (string)a!));
        Assert.Null(step["bindings"]);

        var env = step["env"]!.AsObject();
        Assert.Equal($"{{{database}.connectionString}}", (string)env[$"ConnectionStrings__{database}"]!);
        Assert.False(env.ContainsKey("ConnectionStrings__cache"), "the migration step needs no cache");
    }

    [Fact]
    public void The_chat_service_finds_the_auth_service_by_service_discovery()
    {
        var env = Resources["chatservice"]!["env"]!.AsObject();
        Assert.Contains(env, variable => variable.Key.StartsWith("services__authservice__", StringComparison.Ordinal));
    }

    [Fact]
    public void Without_a_model_the_stand_in_deploys_as_a_labelled_demo_that_asks_for_nothing()
    {
        var standIn = Resources["devmodel"]!;
        Assert.StartsWith("project", (string)standIn["type"]!);
        var bindings = standIn["bindings"]!.AsObject();
        Assert.Equal(["http"], bindings.Select(b => b.Key));
        Assert.NotEqual(true, (bool?)bindings["http"]!["external"]);

        // The connection string is made, not asked for: a demo deploys with no secret of the operator's.
        Assert.Equal("value.v0", (string)Resources["openai"]!["type"]!);
        Assert.StartsWith("Endpoint={devmodel.bindings.http.url}/v1;Key={devmodel-key.value}", (string)Resources["openai"]!["connectionString"]!);
        Assert.NotNull(Resources["devmodel-key"]!["inputs"]!["value"]!["default"]!["generate"]);

        // Clients see that the models are not real.
        var env = Resources["chatservice"]!["env"]!.AsObject();
        Assert.Contains("not a real model", (string)env["Model__Models__0__DisplayName"]!, StringComparison.Ordinal);
        Assert.Contains("not a real model", (string)env["Model__Models__1__DisplayName"]!, StringComparison.Ordinal);
    }

    [Fact]
    public void With_a_model_configured_the_manifest_asks_for_its_connection_string_and_never_holds_it()
    {
        var resources = manifests.WithModel;
        Assert.Null(resources["devmodel"]);
        Assert.Equal("parameter.v0", (string)resources["openai"]!["type"]!);
        Assert.True((bool?)resources["openai"]!["inputs"]!["value"]!["secret"]);
        Assert.Equal("{openai.connectionString}", (string)resources["chatservice"]!["env"]!["ConnectionStrings__openai"]!);
        Assert.False(resources["chatservice"]!["env"]!.AsObject().ContainsKey("Model__Models__0__Id"));
        Assert.DoesNotContain("manifest-test-key-never-written", manifests.WithModelText, StringComparison.Ordinal);
    }

    /// <summary>The two manifests, written once for the class: the AppHost in publish mode starts nothing.</summary>
    public sealed class Manifests : IAsyncLifetime
    {
        public JsonObject Demo { get; private set; } = null!;

        public JsonObject WithModel { get; private set; } = null!;

        public string WithModelText { get; private set; } = "";

        public async Task InitializeAsync()
        {
            Demo = JsonNode.Parse(await PublishAsync(model: null))!["resources"]!.AsObject();
            WithModelText = await PublishAsync(ModelConnectionString);
            WithModel = JsonNode.Parse(WithModelText)!["resources"]!.AsObject();
        }

        public Task DisposeAsync() => Task.CompletedTask;

        private static async Task<string> PublishAsync(string? model)
        {
            var path = Path.Combine(Path.GetTempPath(), $"gochatai-manifest-{Guid.NewGuid():N}.json");
            var startInfo = BuiltProject.Run(Projects.GoChatAi_AppHost.ProjectPath, "--publisher", "manifest", "--output-path", path);
            startInfo.Environment.Remove("ConnectionStrings__openai");
            if (model is not null)
            {
                startInfo.Environment["ConnectionStrings__openai"] = model;
            }

            try
            {
                using var process = Process.Start(startInfo)!;
                var output = process.StandardOutput.ReadToEndAsync();
                var errors = process.StandardError.ReadToEndAsync();
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
                Assert.True(process.ExitCode == 0, $"The manifest command failed: {await output}{await errors}");
                return await File.ReadAllTextAsync(path);
            }
            finally
            {
                File.Delete(path);
            }
        }
    }
}
