using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// One API, two protocols: every service serves its .proto services over gRPC (HTTP/2 endpoint) and
/// over REST through gRPC JSON transcoding (HTTP/1.1 endpoint), with the standard gRPC health service.
/// </summary>
public static class GrpcApiExtensions
{
    public static TBuilder AddGrpcApi<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddGrpc(options =>
        {
            options.EnableDetailedErrors = false;
        }).AddJsonTranscoding();

        // grpc.health.v1 reports the same readiness as /health/ready: every registered check.
        builder.Services.AddGrpcHealthChecks();
        builder.Services.AddGrpcReflection();
        return builder;
    }

    public static WebApplication MapGrpcApiEndpoints(this WebApplication app)
    {
        app.MapGrpcHealthChecksService();
        if (app.Environment.IsDevelopment())
        {
            // grpcurl and similar tools discover the API through reflection; production keeps it private.
            app.MapGrpcReflectionService();
        }

        return app;
    }
}
