using GoChatAi.AppHost.Infrastructure;

namespace GoChatAi.AppHost;

/// <summary>
/// The migration step of a service's database: the service's own project run once with the argument <c>migrate</c>,
/// as a resource of its own (<c>authdb-migrations</c>, <c>chatdb-migrations</c>) that creates the database when it is
/// missing, applies the migrations it lacks and exits. The service starts once it has completed.
/// </summary>
/// <remarks>
/// Locally and in the tests, <c>WaitForCompletion</c> orders the start. In a deployment nothing orders it (azd and
/// aspirate ignore waits): there the step runs beside the service, whose readiness stays false until the schema is at
/// its release (<c>DatabaseSchemaCheck</c> in ServiceDefaults).
/// </remarks>
public static class DatabaseMigrations
{
    /// <summary>The argument that selects the migration step in a service's binary (<c>DatabaseMigrationCommand.Verb</c>).</summary>
    public const string Verb = "migrate";

    public const string ResourceSuffix = "-migrations";

    public static IResourceBuilder<ProjectResource> WithMigrationStep(
        this IResourceBuilder<ProjectResource> service,
        IResourceBuilder<IResourceWithConnectionString> database,
        GoChatAiInfrastructure infrastructure)
    {
        var builder = service.ApplicationBuilder;
        var migrations = builder
            .AddProject(database.Resource.Name + ResourceSuffix, service.Resource.GetProjectMetadata().ProjectPath,
                // The same binary without its web server: none of the service's endpoints.
                options => options.ExcludeKestrelEndpoints = true)
            .WithArgs(Verb)
            .WithoutServerCertificate()
            .WithReference(database)
            .WithParentRelationship(service);
        foreach (var server in infrastructure.Servers)
        {
            migrations.WaitFor(server);
        }

        return service.WaitForCompletion(migrations);
    }
}
