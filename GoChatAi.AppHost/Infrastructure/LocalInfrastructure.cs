using System.Diagnostics;
using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace GoChatAi.AppHost.Infrastructure;

/// <summary>
/// PostgreSQL and Redis without containers: the machine's own PostgreSQL binaries and redis-server (or Garnet,
/// from the repository's tool manifest, when redis-server is absent), run by Aspire as executables.
/// </summary>
public static class LocalInfrastructureExtensions
{
    /// <summary>Where the local servers keep their data between runs.</summary>
    public const string StateDirectoryKey = "LocalInfrastructure:StateDirectory";

    /// <summary>The account PostgreSQL runs as when the AppHost runs as root (PostgreSQL refuses root).</summary>
    public const string PostgresAccountKey = "LocalInfrastructure:PostgresAccount";

    public static GoChatAiInfrastructure AddLocalInfrastructure(this IDistributedApplicationBuilder builder)
    {
        var postgresBin = LocalBinaries.FindPostgres() ?? throw new InfrastructureUnavailableException(
            "No container runtime answers and no PostgreSQL server is installed: install Docker or Podman, " +
            "or PostgreSQL (initdb and postgres on PATH), or give ConnectionStrings__authdb, ConnectionStrings__chatdb " +
            "and ConnectionStrings__cache with --infra external.");

        var stateDirectory = StateDirectory(builder.Configuration[StateDirectoryKey]);
        var postgres = builder.AddLocalPostgres(postgresBin, stateDirectory);
        var redis = builder.AddLocalRedis();

        var postgresEndpoint = postgres.Server.GetEndpoint("tcp");
        IResourceBuilder<IResourceWithConnectionString> Database(string name) => builder.AddConnectionString(name, ReferenceExpression.Create(
            $"Host={postgresEndpoint.Property(EndpointProperty.Host)};Port={postgresEndpoint.Property(EndpointProperty.Port)};" +
            $"Username=postgres;Password={postgres.Password};Database={name}"));

        var redisEndpoint = redis.GetEndpoint("tcp");
        var cache = builder.AddConnectionString(GoChatAiInfrastructureExtensions.CacheName, ReferenceExpression.Create(
            $"{redisEndpoint.Property(EndpointProperty.Host)}:{redisEndpoint.Property(EndpointProperty.Port)}"));

        return new GoChatAiInfrastructure(
            InfrastructureMode.Local,
            Database(GoChatAiInfrastructureExtensions.AuthDatabaseName),
            Database(GoChatAiInfrastructureExtensions.ChatDatabaseName),
            cache,
            [postgres.Server, redis]);
    }

    private sealed record LocalPostgres(IResourceBuilder<ExecutableResource> Server, IResourceBuilder<ParameterResource> Password);

    private static LocalPostgres AddLocalPostgres(this IDistributedApplicationBuilder builder, string binDirectory, string stateDirectory)
    {
        var directory = Path.Combine(stateDirectory, "postgres");
        Directory.CreateDirectory(directory);
        var password = builder.AddParameter("postgres-password", StoredPassword(stateDirectory), secret: true);

        // PostgreSQL refuses to run as root: where the AppHost is root (CI, containers), the server runs as an
        // unprivileged account that owns its data folder.
        var script = Path.Combine(directory, "postgres-local.sh");
        File.WriteAllText(script, ReadScript("postgres-local.sh"));
        string command;
        string[] args;
        if (Environment.UserName == "root")
        {
            var account = builder.Configuration[PostgresAccountKey] ?? "postgres";
            LocalBinaries.Run("chown", account, directory);
            if (LocalBinaries.Run("runuser", "-u", account, "--", "test", "-w", directory) != 0)
            {
                throw new InfrastructureUnavailableException(
                    $"PostgreSQL runs as the '{account}' account, which cannot reach {directory}: set {StateDirectoryKey} to a folder it can reach.");
            }

            command = "runuser";
            args = ["-u", account, "--", "sh", script];
        }
        else
        {
            command = "sh";
            args = [script];
        }

        var server = builder.AddExecutable("postgres", command, directory, args)
            .WithEnvironment("PG_BIN", binDirectory)
            .WithEnvironment("PGDATA", Path.Combine(directory, "data"))
            .WithEnvironment("PG_SUPERUSER_PASSWORD", password)
            // The services connect straight to the server: a proxy in between would add a hop to every query.
            .WithEndpoint(name: "tcp", scheme: "tcp", env: "PGPORT", isProxied: false);

        var endpoint = server.GetEndpoint("tcp");
        var connectionString = ReferenceExpression.Create(
            $"Host={endpoint.Property(EndpointProperty.Host)};Port={endpoint.Property(EndpointProperty.Port)};" +
            $"Username=postgres;Password={password};Database=postgres;Timeout=3");
        server.WithLocalHealthCheck(builder, "postgres-ready", () => new PostgresServerHealthCheck(connectionString));

        return new LocalPostgres(server, password);
    }

    private static IResourceBuilder<ExecutableResource> AddLocalRedis(this IDistributedApplicationBuilder builder)
    {
        // redis-server when installed; else Garnet, a Redis-compatible server that ships as a .NET tool.
        var (name, command, args, settings) = LocalBinaries.FindOnPath("redis-server") is { } redisServer
            ? ("redis", redisServer, Array.Empty<string>(), new[] { "--save", "", "--appendonly", "no" })
            : ("garnet", LocalBinaries.DotnetHost, ["exec", GarnetServer(builder)],
                // Lua scripts are how the services make multi-key updates atomic.
                ["--lua", "--memory", "256m"]);

        var server = builder.AddExecutable(name, command, builder.AppHostDirectory, args)
            .WithEndpoint(name: "tcp", scheme: "tcp", isProxied: false);
        var endpoint = server.GetEndpoint("tcp");
        server.WithArgs(context =>
        {
            context.Args.Add("--port");
            context.Args.Add(endpoint.Property(EndpointProperty.TargetPort));
            context.Args.Add("--bind");
            context.Args.Add("127.0.0.1");
            foreach (var setting in settings)
            {
                context.Args.Add(setting);
            }
        });

        var connectionString = ReferenceExpression.Create(
            $"{endpoint.Property(EndpointProperty.Host)}:{endpoint.Property(EndpointProperty.Port)},connectTimeout=2000");
        return server.WithLocalHealthCheck(builder, $"{server.Resource.Name}-ready", () => new RedisServerHealthCheck(connectionString));
    }

    private static string GarnetServer(IDistributedApplicationBuilder builder) =>
        LocalBinaries.FindGarnet(Path.GetFullPath(Path.Combine(builder.AppHostDirectory, ".."))) ??
            throw new InfrastructureUnavailableException(
                "Neither redis-server nor Garnet is available: run 'dotnet tool restore' in the repository, or install redis-server.");

    private static IResourceBuilder<ExecutableResource> WithLocalHealthCheck(
        this IResourceBuilder<ExecutableResource> server,
        IDistributedApplicationBuilder builder,
        string key,
        Func<IHealthCheck> check)
    {
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(key, _ => check(), failureStatus: null, tags: null));
        return server.WithHealthCheck(key);
    }

    private static string StateDirectory(string? configured)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return Path.GetFullPath(configured);
        }

        // Root's state goes where system services keep theirs, which the postgres account can reach.
        if (Environment.UserName == "root")
        {
            return "/var/lib/gochatai";
        }

        var stateHome = Environment.GetEnvironmentVariable("XDG_STATE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
        return Path.Combine(stateHome, "gochatai");
    }

    /// <summary>The local superuser's password: made once, kept beside the data it protects, readable by its owner only.</summary>
    private static string StoredPassword(string stateDirectory)
    {
        var path = Path.Combine(stateDirectory, "postgres-password");
        if (File.Exists(path))
        {
            return File.ReadAllText(path).Trim();
        }

        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
        // Created readable by its owner only, never for a moment by anyone else.
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var writer = new StreamWriter(path, options))
        {
            writer.Write(password);
        }

        return password;
    }

    private static string ReadScript(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The AppHost is built without its resource {name}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
