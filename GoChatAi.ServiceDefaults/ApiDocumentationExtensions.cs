using System.Reflection;
using System.Text.Json.Nodes;
using GoChatAi.ServiceDefaults.Documentation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.OpenApi.Models;
using Scalar.AspNetCore;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The REST API explained to people. An OpenAPI document generated from the .proto files through gRPC JSON
/// transcoding (their routes; their comments as the descriptions of services, operations and fields), an interactive
/// reference page over it that sends requests with an access token, and a root (<c>GET /</c>) that says what the
/// service is and where its documentation and health are. The document and the page are served in Development, or
/// wherever <c>ApiDocumentation:Enabled</c> is true; the root always.
/// </summary>
public static partial class ApiDocumentationExtensions
{
    public const string EnabledKey = "ApiDocumentation:Enabled";
    public const string DocsPath = "/docs";
    public const string OpenApiPath = "/openapi/" + DocumentName + ".json";
    public const string BearerScheme = "Bearer";

    private const string DocumentName = "v1";

    /// <summary>The XML documentation of the assembly compiled from the .proto files: it carries their comments.</summary>
    private const string ContractsDocumentation = "GoChatAi.Contracts.xml";

    public static bool IsApiDocumentationEnabled(this IHostApplicationBuilder builder) =>
        builder.Configuration.GetValue(EnabledKey, builder.Environment.IsDevelopment());

    public static TBuilder AddApiDocumentation<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddOptions<ServiceAddressOptions>().BindConfiguration(ServiceAddressOptions.SectionName);
        if (!builder.IsApiDocumentationEnabled())
        {
            return builder;
        }

        var service = ServiceIdentity.Of(builder.Environment);
        // The plain endpoints (the discovery documents, Server-Sent Events) are listed beside the transcoded ones.
        builder.Services.AddEndpointsApiExplorer();
        builder.Services.AddGrpcSwagger();
        builder.Services.AddSwaggerGen(options =>
        {
            options.SwaggerDoc(DocumentName, new OpenApiInfo
            {
                Title = service.Name,
                Version = DocumentName,
                Description = DocumentDescription(service),
            });

            var contracts = Path.Combine(AppContext.BaseDirectory, ContractsDocumentation);
            if (File.Exists(contracts))
            {
                // Field and message comments (schemas), then method and service comments (operations and tags).
                options.IncludeXmlComments(contracts);
                options.IncludeGrpcXmlComments(contracts, includeControllerXmlComments: true);
            }

            // A field whose type is another message keeps its own comment beside the reference to that message.
            options.UseAllOfToExtendReferenceSchemas();
            options.AddSecurityDefinition(BearerScheme, new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "JWT",
                Description = "An access token from the AuthService: `POST /v1/auth/signin` (or `/v1/auth/signup`) " +
                    "answers it as `tokens.accessToken`. It is valid for 15 minutes; `POST /v1/auth/refresh` gives a new one.",
            });
            options.TagActionsBy(OperationTags.Of);
            options.DocumentFilter<PlainHttpTagDescription>();
            options.OperationFilter<OperationSummaries>();
            options.OperationFilter<BearerTokenRequirement>();
            options.OperationFilter<RestBodyMessageSchema>();
            options.OperationFilter<RequestBodyDescription>();
        });
        return builder;
    }

    /// <summary>
    /// Maps the root, and where documentation is enabled the OpenAPI document (<see cref="OpenApiPath"/>) and its
    /// reference page (<see cref="DocsPath"/>); logs once the service listens where to reach it.
    /// </summary>
    public static WebApplication MapApiDocumentation(this WebApplication app)
    {
        var service = ServiceIdentity.Of(app.Environment);
        var documented = app.Configuration.GetValue(EnabledKey, app.Environment.IsDevelopment());
        app.MapGet("/", () => Results.Json(new JsonObject
        {
            ["service"] = service.Name,
            ["description"] = service.Description,
            ["version"] = service.Version,
            ["docs"] = documented ? DocsPath : null,
            ["openapi"] = documented ? OpenApiPath : null,
            ["health"] = Extensions.ReadinessPath,
        })).ExcludeFromDescription();

        if (documented)
        {
            app.MapSwagger("/openapi/{documentName}.json", options => options.PreSerializeFilters.Add((document, request) =>
                // The address the document was fetched from, so that the page's examples and "Test Request" name it.
                document.Servers = [new OpenApiServer { Url = $"{request.Scheme}://{request.Host}{request.PathBase}" }]));
            app.MapScalarApiReference(DocsPath, options => options
                .WithTitle($"{service.Name} API")
                .WithOpenApiRoutePattern("/openapi/{documentName}.json")
                .AddPreferredSecuritySchemes(BearerScheme)
                // Every field shows with its comment, without a click per message.
                .WithExpandAllSchemaProperties(true)
                .PreserveSchemaPropertyOrder()
                // The page loads nothing from elsewhere, works offline and tells no one what is tried on it; the
                // toolbar that links to Scalar's hosted services is left out.
                .HideDeveloperTools()
                .DisableDefaultFonts()
                .DisableTelemetry()
                .DisableAgent()
                .DisableMcp());
        }

        app.Lifetime.ApplicationStarted.Register(() => LogAddresses(app, service, documented));
        return app;
    }

    private static string DocumentDescription(ServiceIdentity service) =>
        $"""
        {service.Description}

        Every operation is a gRPC method of the service's .proto contract, served here as REST (JSON) through gRPC JSON
        transcoding; the same methods answer over gRPC (HTTP/2) on the service's gRPC port. JSON field names are
        lowerCamelCase. Errors have one shape, `{"{"}"code", "message", "details"{"}"}` (google.rpc.Status), with the HTTP
        status of their gRPC code: 400 INVALID_ARGUMENT (a BadRequest detail names each bad field), 401 UNAUTHENTICATED,
        403 PERMISSION_DENIED, 404 NOT_FOUND, 409 ALREADY_EXISTS, 429 RESOURCE_EXHAUSTED (with Retry-After),
        503 UNAVAILABLE (with Retry-After).

        Operations marked with a lock need `Authorization: Bearer <access token>`: sign in on the AuthService, then
        paste `tokens.accessToken` as the Bearer token here.
        """;

    /// <summary>One line, once the service listens: its REST and gRPC addresses and where its documentation is.</summary>
    private static void LogAddresses(WebApplication app, ServiceIdentity service, bool documented)
    {
        var addresses = app.Services.GetRequiredService<Options.IOptions<ServiceAddressOptions>>().Value;
        var listening = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var rest = ForPeople(addresses.Rest ?? app.Configuration["Kestrel:Endpoints:http:Url"] ?? string.Join(", ", listening));
        var grpc = ForPeople(addresses.Grpc ?? app.Configuration["Kestrel:Endpoints:grpc:Url"] ?? "(none configured)");
        var docs = documented ? $"{rest.TrimEnd('/')}{DocsPath}" : $"off ({EnabledKey}=true turns it on)";
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ApiDocumentationExtensions).FullName!);
        var health = $"{rest.TrimEnd('/')}{Extensions.ReadinessPath}";
        LogServing(logger, service.Name, rest, grpc, docs, health);
    }

    /// <summary>A listening URL as a person can open it: a wildcard host is this machine.</summary>
    private static string ForPeople(string url) =>
        url.Replace("://*", "://localhost", StringComparison.Ordinal)
            .Replace("://+", "://localhost", StringComparison.Ordinal)
            .Replace("://0.0.0.0", "://localhost", StringComparison.Ordinal)
            .Replace("://[::]", "://localhost", StringComparison.Ordinal);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "{Service} serves REST on {RestAddress} and gRPC on {GrpcAddress}; API docs: {DocsAddress}; health: {HealthAddress}")]
    private static partial void LogServing(ILogger logger, string service, string restAddress, string grpcAddress, string docsAddress, string healthAddress);

    /// <summary>What the root and the document say the service is: its name, its project's description, its version.</summary>
    private sealed record ServiceIdentity(string Name, string? Description, string Version)
    {
        public static ServiceIdentity Of(IHostEnvironment environment)
        {
            var assembly = Assembly.GetEntryAssembly();
            return new ServiceIdentity(
                environment.ApplicationName,
                assembly?.GetCustomAttribute<AssemblyDescriptionAttribute>()?.Description,
                assembly?.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                    ?? assembly?.GetName().Version?.ToString() ?? "unknown");
        }
    }
}

/// <summary>
/// Where clients reach the service (section "ServiceAddresses"), when that is not where it listens: behind the
/// AppHost's proxy, or a load balancer. Only said in the start-up log line.
/// </summary>
public sealed class ServiceAddressOptions
{
    public const string SectionName = "ServiceAddresses";

    /// <summary>The REST (HTTP/1.1) address, e.g. <c>http://localhost:8080</c>.</summary>
    public string? Rest { get; set; }

    /// <summary>The gRPC (HTTP/2) address, e.g. <c>http://localhost:50051</c>.</summary>
    public string? Grpc { get; set; }
}
