using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;

namespace GoChatAi.ServiceDefaults.Errors;

/// <summary>
/// Turns whatever escapes a gRPC method into its status through <see cref="ServiceErrors"/>; JSON transcoding
/// turns that status into the HTTP status and the <c>{"code","message","details"}</c> body.
/// </summary>
public sealed class ServiceExceptionInterceptor(ILogger<ServiceExceptionInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception exception) when (exception is not RpcException)
        {
            throw Map(exception, context);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception exception) when (exception is not RpcException)
        {
            throw Map(exception, context);
        }
    }

    private RpcException Map(Exception exception, ServerCallContext context)
    {
        if (exception is OperationCanceledException && context.CancellationToken.IsCancellationRequested)
        {
            return new RpcException(new Status(StatusCode.Cancelled, "The call was cancelled."));
        }

        var error = ServiceErrors.Classify(exception, logger, context.Method);
        // REST callers read the wait from Retry-After as well as from the RetryInfo detail.
        if (error.RetryAfter is not null && HttpContextOf(context) is { } httpContext)
        {
            ServiceErrorHttpResponse.SetRetryAfter(httpContext.Response, error);
        }

        return ServiceErrors.ToRpcException(error);
    }

    private static Microsoft.AspNetCore.Http.HttpContext? HttpContextOf(ServerCallContext context)
    {
        try
        {
            return context.GetHttpContext();
        }
        catch (InvalidOperationException)
        {
            // A call context made by hand (unit tests) has no HTTP request behind it.
            return null;
        }
    }
}
