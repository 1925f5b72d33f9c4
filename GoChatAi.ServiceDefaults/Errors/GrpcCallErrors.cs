using Google.Protobuf;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace GoChatAi.ServiceDefaults.Errors;

/// <summary>
/// gRPC reads a call's request message before any interceptor runs, and answers a failure there as UNKNOWN.
/// This puts the caller's mistakes where they belong: a message that is not the method's protobuf is
/// INVALID_ARGUMENT, and one over the size limit is RESOURCE_EXHAUSTED (gRPC's own per-message limit, not the web
/// server's body limit, which would cut the read mid-message).
/// </summary>
public static class GrpcCallErrors
{
    private const string StatusHeader = "grpc-status";

    public static IApplicationBuilder UseGrpcCallErrors(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (!ServiceErrorHttpResponse.IsGrpc(context.Request))
        {
            await next(context);
            return;
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
        {
            bodyLimit.MaxRequestBodySize = null;
        }

        await next(context);

        // A refused call is a trailers-only response: its status is still in the headers, not yet sent.
        var response = context.Response;
        if (response.HasStarted || response.Headers[StatusHeader] != ((int)StatusCode.Unknown).ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            return;
        }

        var error = context.Features.Get<IServerCallContextFeature>()?.ServerCallContext.Status.DebugException switch
        {
            InvalidProtocolBufferException => ServiceException.InvalidArgument("request", "is not a valid protobuf message of this method"),
            _ => null,
        };
        if (error is not null)
        {
            response.Headers.Remove(StatusHeader);
            response.Headers.Remove("grpc-message");
            await ServiceErrorHttpResponse.WriteAsync(response, error, context.RequestAborted);
        }
    });
}
