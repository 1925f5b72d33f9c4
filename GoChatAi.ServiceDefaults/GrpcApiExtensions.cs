using GoChatAi.ServiceDefaults.Errors;
using GoChatAi.ServiceDefaults.Requests;
using Google.Protobuf.Reflection;
using Google.Rpc;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// One API, two protocols: every service serves its .proto services over gRPC (HTTP/2 endpoint) and
/// over REST through gRPC JSON transcoding (HTTP/1.1 endpoint), with the standard gRPC health service.
/// </summary>
public static class GrpcApiExtensions
{
    /// <summary>The largest request either service reads: well above any valid message, far below harm.</summary>
    public const int MaxRequestBytes = 256 * 1024;

    public static TBuilder AddGrpcApi<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddGrpc(options =>
        {
            options.EnableDetailedErrors = false;
            options.MaxReceiveMessageSize = MaxRequestBytes;
            options.Interceptors.Add<ServiceExceptionInterceptor>();
        }).AddJsonTranscoding(options =>
            // Error details travel in REST bodies too: the transcoder must know their types.
            options.TypeRegistry = TypeRegistry.FromMessages(BadRequest.Descriptor, RetryInfo.Descriptor));

        // The web server's own cut-off; below it the REST checks answer an oversized body with 413, and gRPC with
        // its own per-message limit (RestRequestBodies, GrpcCallErrors).
        builder.Services.Configure<KestrelServerOptions>(options =>
            options.Limits.MaxRequestBodySize = MaxRequestBytes * RestRequestBodies.HardLimitFactor);

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
