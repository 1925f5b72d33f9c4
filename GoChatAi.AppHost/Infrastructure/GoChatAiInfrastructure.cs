using System.Diagnostics;
using Microsoft.Extensions.Configuration;

namespace GoChatAi.AppHost.Infrastructure;

/// <summary>The databases and the cache the services use, and the servers they must wait for.</summary>
public sealed record GoChatAiInfrastructure(
    InfrastructureMode Mode,
    IResourceBuilder<IResourceWithConnectionString> AuthDatabase,
    IResourceBuilder<IResourceWithConnectionString> ChatDatabase,
    IResourceBuilder<IResourceWithConnectionString> Cache,
    IReadOnlyList<IResourceBuilder<IResource>> Servers);

public static class GoChatAiInfrastructureExtensions
{
    /// <summary>The configuration key (or <c>--infra</c> argument) that forces a mode.</summary>
    public const string ModeKey = "Infra";

    public const string AuthDatabaseName = "authdb";
    public const string ChatDatabaseName = "chatdb";
    public const string CacheName = "cache";

    /// <summary>
    /// Adds PostgreSQL (one database per service) and Redis in the mode that works on this machine:
    /// <c>--infra containers|local|external</c> or the <c>Infra</c> setting forces one.
    /// </summary>
    public static GoChatAiInfrastructure AddGoChatAiInfrastructure(this IDistributedApplicationBuilder builder)
    {
        var mode = ChooseMode(builder);
        return mode switch
        {
            InfrastructureMode.Containers => AddContainers(builder),
            InfrastructureMode.Local => builder.AddLocalInfrastructure(),
            InfrastructureMode.External => AddExternal(builder),
            _ => throw new UnreachableException(),
        };
    }

    /// <summary>Gives a service its database and the cache, and starts it only once they answer.</summary>
    public static IResourceBuilder<ProjectResource> WithDatabaseAndCache(
        this IResourceBuilder<ProjectResource> project,
        IResourceBuilder<IResourceWithConnectionString> database,
        GoChatAiInfrastructure infrastructure)
    {
        return project.WithReference(database).WithCache(infrastructure);
    }

    /// <summary>Gives a project the cache, and starts it only once the servers answer.</summary>
    public static IResourceBuilder<ProjectResource> WithCache(this IResourceBuilder<ProjectResource> project, GoChatAiInfrastructure infrastructure)
    {
        project.WithReference(infrastructure.Cache);
        foreach (var server in infrastructure.Servers)
        {
            project.WaitFor(server);
        }

        return project;
    }

    private static InfrastructureMode ChooseMode(IDistributedApplicationBuilder builder)
    {
        var configured = builder.Configuration[ModeKey];
        if (!string.IsNullOrWhiteSpace(configured) && !configured.Equals("auto", StringComparison.OrdinalIgnoreCase))
        {
            return Enum.TryParse<InfrastructureMode>(configured, ignoreCase: true, out var forced) && forced != InfrastructureMode.Auto
                ? forced
                : throw new InfrastructureUnavailableException(
                    $"Unknown infrastructure mode '{configured}': use --infra containers, local or external.");
        }

        if (HasExternalConnectionStrings(builder.Configuration))
        {
            return InfrastructureMode.External;
        }

        // A deployment manifest always describes containers: that is what azd and aspirate deploy.
        if (builder.ExecutionContext.IsPublishMode || ContainerRuntime.Answers(builder.Configuration))
        {
            return InfrastructureMode.Containers;
        }

        return InfrastructureMode.Local;
    }

    private static bool HasExternalConnectionStrings(IConfiguration configuration) =>
        new[] { AuthDatabaseName, ChatDatabaseName, CacheName }
            .All(name => !string.IsNullOrWhiteSpace(configuration.GetConnectionString(name)));

    private static GoChatAiInfrastructure AddContainers(IDistributedApplicationBuilder builder)
    {
        var postgres = builder.AddPostgres("postgres").WithDataVolume();
        var authDatabase = postgres.AddDatabase(AuthDatabaseName);
        var chatDatabase = postgres.AddDatabase(ChatDatabaseName);
        // Plain TCP as in local mode: the services' connection strings do not ask for TLS.
        var cache = builder.AddRedis(CacheName).WithDataVolume().WithoutServerCertificate();

        return new GoChatAiInfrastructure(
            InfrastructureMode.Containers,
            authDatabase,
            chatDatabase,
            cache,
            [authDatabase, chatDatabase, cache]);
    }

    private static GoChatAiInfrastructure AddExternal(IDistributedApplicationBuilder builder)
    {
        var missing = new[] { AuthDatabaseName, ChatDatabaseName, CacheName }
            .Where(name => string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(name)))
            .ToList();
        if (missing.Count > 0)
        {
            throw new InfrastructureUnavailableException(
                $"External mode needs the connection strings {string.Join(", ", missing.Select(n => $"ConnectionStrings__{n}"))}.");
        }

        return new GoChatAiInfrastructure(
            InfrastructureMode.External,
            builder.AddConnectionString(AuthDatabaseName),
            builder.AddConnectionString(ChatDatabaseName),
            builder.AddConnectionString(CacheName),
            []);
    }
}
