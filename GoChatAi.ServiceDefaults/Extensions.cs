using GoChatAi.ServiceDefaults.Errors;
using GoChatAi.ServiceDefaults.Operations;
using GoChatAi.ServiceDefaults.Requests;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// What every GoChatAi service gets from one call: telemetry, health checks, service discovery and
/// resilient outgoing HTTP. Each service's Program.cs calls <see cref="AddServiceDefaults"/> and
/// <see cref="MapDefaultEndpoints"/>.
/// </summary>
public static class Extensions
{
    public const string LivenessPath = "/health/live";
    public const string ReadinessPath = "/health/ready";
    public const string StartupPath = "/health/startup";

    /// <summary>The Go system's health routes, kept as aliases of <see cref="ReadinessPath"/>.</summary>
    public static readonly string[] LegacyHealthPaths = ["/health", "/v1/health"];
    public const string MetricsPath = "/metrics";

    /// <summary>Tag of the checks that say the process itself is alive (not its dependencies).</summary>
    public const string LiveTag = "live";

    /// <summary>Tag of the checks that must pass once before the service counts as started.</summary>
    public const string StartupTag = "startup";

    /// <summary>How long one health check may take: below the 2 s a Kubernetes probe is usually given.</summary>
    public static readonly TimeSpan HealthCheckTimeout = TimeSpan.FromSeconds(1.5);

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();

        // Rules that depend on time take it from here, so that tests can move it.
        builder.Services.TryAddSingleton(TimeProvider.System);

        // Failures outside gRPC methods (middleware, authentication, plain endpoints) get the one error mapping.
        builder.Services.AddExceptionHandler<ServiceExceptionHandler>();
        builder.Services.AddProblemDetails();

        builder.Services.AddServiceDiscovery();
        builder.Services.AddTransient<CorrelationIdHandler>();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
            http.AddHttpMessageHandler<CorrelationIdHandler>();
        });

        builder.AddGracefulShutdown();
        builder.AddForwardedClientAddress();
        builder.AddCrossOriginRequests();

        return builder;
    }

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        if (!builder.Environment.IsDevelopment())
        {
            // Production logs are one JSON object per line, with the request's scopes (trace, span, correlation id).
            builder.Logging.ClearProviders();
            builder.Logging.AddJsonConsole(json =>
            {
                json.IncludeScopes = true;
                json.UseUtcTimestamp = true;
                json.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }

        builder.Logging.Configure(logging => logging.ActivityTrackingOptions =
            ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter("Grpc.AspNetCore.Server", "Grpc.Net.Client", "GoChatAi.*")
                .AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0))
            .WithTracing(tracing => tracing
                .AddSource(builder.Environment.ApplicationName, "GoChatAi.*")
                .AddAspNetCoreInstrumentation(options =>
                    // Probes would drown the real traffic.
                    options.Filter = context => !context.Request.Path.StartsWithSegments("/health") && !context.Request.Path.StartsWithSegments("/v1/health"))
                .AddGrpcClientInstrumentation()
                .AddHttpClientInstrumentation());

        // The Aspire dashboard (and any collector) is reached over OTLP when its endpoint is configured.
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }

        return builder;
    }

    public static TBuilder AddGracefulShutdown<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.Configure<HostOptions>(host =>
            host.ShutdownTimeout = builder.Configuration.GetValue("Shutdown:GracePeriod", TimeSpan.FromSeconds(30)));
        builder.Services.AddSingleton<GracefulShutdown>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<GracefulShutdown>());
        // Readiness turns false as soon as shutdown begins.
        builder.Services.AddHealthChecks().AddCheck<GracefulShutdown>("shutdown");
        return builder;
    }

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);

        // Checks that fail while the service starts are what the startup probe is for: logged only once it has started.
        var startup = new StartupChecks();
        builder.Logging.AddFilter(StartupChecks.HealthCheckServiceCategory, startup.ShouldLog);

        // A dependency that hangs must turn the probe red within the probe's own timeout, whether or not its check
        // honours cancellation.
        builder.Services.PostConfigure<HealthCheckServiceOptions>(options =>
        {
            foreach (var registration in options.Registrations)
            {
                var check = registration.Factory;
                var bounded = (IServiceProvider services) =>
                    new BoundedHealthCheck(services.GetRequiredService<IServiceScopeFactory>(), check, HealthCheckTimeout);
                registration.Factory = registration.Tags.Contains(StartupTag)
                    ? services => new ReportingStartupCheck(bounded(services), startup)
                    : bounded;
                registration.Timeout = HealthCheckTimeout;
            }

            startup.Expect(options.Registrations.Where(r => r.Tags.Contains(StartupTag)).Select(r => r.Name));
        });

        return builder;
    }

    /// <summary>
    /// The start of every service's request pipeline, in order: the client's address as trusted proxies forward it,
    /// browsers' cross-origin preflights answered, errors answered in the caller's protocol, a correlation id on
    /// every request, gRPC's own message errors named, and REST requests checked before any handler reads them.
    /// </summary>
    public static WebApplication UseServiceDefaults(this WebApplication app)
    {
        app.UseForwardedClientAddress();
        app.UseCrossOriginRequests();
        app.UseExceptionHandler();
        app.UseCorrelationId();
        app.UseGrpcCallErrors();
        app.UseRestRequestChecks(GrpcApiExtensions.MaxRequestBytes);
        return app;
    }

    /// <summary>
    /// Maps the Kubernetes probes in every environment: liveness (the process answers), readiness
    /// (every dependency answers) and startup (one-time work such as migrations is done). Their bodies
    /// say only Healthy, Degraded or Unhealthy.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks(LivenessPath, new HealthCheckOptions { Predicate = r => r.Tags.Contains(LiveTag) });
        app.MapHealthChecks(StartupPath, new HealthCheckOptions
        {
            Predicate = r => r.Tags.Contains(LiveTag) || r.Tags.Contains(StartupTag),
        });
        app.MapHealthChecks(ReadinessPath);
        // The replaced Go system's health routes, for the monitors that still call them: readiness, by other names.
        foreach (var alias in LegacyHealthPaths)
        {
            app.MapHealthChecks(alias);
        }

        // Prometheus scrapes here unless an operator switches it off (Metrics:Prometheus:Enabled=false), or moves it
        // to a management port (Metrics:Prometheus:Host, e.g. "*:9090", with a Kestrel endpoint on that port).
        if (app.Configuration.GetValue("Metrics:Prometheus:Enabled", true))
        {
            var scrape = app.MapPrometheusScrapingEndpoint(MetricsPath);
            if (app.Configuration["Metrics:Prometheus:Host"] is { Length: > 0 } host)
            {
                scrape.RequireHost(host);
            }
        }

        return app;
    }
}
