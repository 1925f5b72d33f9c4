using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;

namespace GoChatAi.ServiceDefaults.Errors;

/// <summary>
/// The one error mapping of every service. A <see cref="ServiceException"/> becomes its gRPC status with
/// google.rpc details (BadRequest, RetryInfo); JSON transcoding turns that status into the HTTP status and the
/// <c>{"code","message","details"}</c> body. Any other exception is logged and answered as INTERNAL with a
/// message that names nothing internal.
/// </summary>
public sealed partial class ServiceExceptionInterceptor(ILogger<ServiceExceptionInterceptor> logger) : Interceptor
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
        if (exception is ServiceException service)
        {
            // REST callers read the wait from Retry-After as well as from the RetryInfo detail.
            if (service.RetryAfter is not null && HttpContextOf(context) is { } httpContext)
            {
                ServiceErrorHttpResponse.SetRetryAfter(httpContext.Response, service);
            }

            return ToRpcException(service);
        }

        if (exception is OperationCanceledException && context.CancellationToken.IsCancellationRequested)
        {
            return new RpcException(new Grpc.Core.Status(StatusCode.Cancelled, "The call was cancelled."));
        }

        LogUnexpected(logger, exception, context.Method);
        var traceId = Activity.Current?.TraceId.ToString();
        return new RpcException(new Grpc.Core.Status(StatusCode.Internal,
            traceId is null ? "An internal error occurred." : $"An internal error occurred (trace {traceId})."));
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

    public static RpcException ToRpcException(ServiceException exception)
    {
        var status = new Google.Rpc.Status { Code = (int)ToStatusCode(exception.Kind), Message = exception.Message };
        if (exception.Violations.Count > 0)
        {
            var badRequest = new BadRequest();
            badRequest.FieldViolations.AddRange(exception.Violations.Select(v =>
                new BadRequest.Types.FieldViolation { Field = v.Field, Description = v.Description }));
            status.Details.Add(Any.Pack(badRequest));
        }

        if (exception.RetryAfter is { } retryAfter)
        {
            status.Details.Add(Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(retryAfter) }));
        }

        return status.ToRpcException();
    }

    public static StatusCode ToStatusCode(ErrorKind kind) => kind switch
    {
        ErrorKind.InvalidArgument => StatusCode.InvalidArgument,
        ErrorKind.NotFound => StatusCode.NotFound,
        ErrorKind.AlreadyExists => StatusCode.AlreadyExists,
        ErrorKind.PermissionDenied => StatusCode.PermissionDenied,
        ErrorKind.Unauthenticated => StatusCode.Unauthenticated,
        ErrorKind.ResourceExhausted => StatusCode.ResourceExhausted,
        ErrorKind.FailedPrecondition => StatusCode.FailedPrecondition,
        ErrorKind.Unavailable => StatusCode.Unavailable,
        ErrorKind.DeadlineExceeded => StatusCode.DeadlineExceeded,
        ErrorKind.OutOfRange => StatusCode.OutOfRange,
        _ => StatusCode.Unknown,
    };

    [LoggerMessage(Level = LogLevel.Error, Message = "Unexpected failure in {Method}")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, string method);
}
