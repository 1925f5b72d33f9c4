using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GoChatAi.ServiceDefaults.Errors;

/// <summary>
/// The one error mapping of every service, used by the gRPC interceptor, the HTTP exception handler and the
/// streaming endpoints alike: any exception becomes a <see cref="ServiceException"/> (a dependency's failure is
/// UNAVAILABLE with a retry hint, anything unexpected is INTERNAL naming only the trace), and a
/// <see cref="ServiceException"/> becomes one gRPC status with google.rpc details (BadRequest, RetryInfo).
/// </summary>
public static partial class ServiceErrors
{
    /// <summary>What the caller is told about <paramref name="exception"/>; the log gets what the caller is not told.</summary>
    public static ServiceException Classify(Exception exception, ILogger logger, string operation)
    {
        switch (exception)
        {
            case ServiceException service:
                return service;
            case BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge }:
                return ServiceException.TooLarge(GrpcApiExtensions.MaxRequestBytes);
            case BadHttpRequestException badRequest:
                return new ServiceException(ErrorKind.InvalidArgument, "The request could not be read.", httpStatus: badRequest.StatusCode);
        }

        if (DependencyFailure.Of(exception) is { } dependency)
        {
            LogDependencyFailed(logger, exception, dependency, operation);
            return DependencyFailure.ToServiceException();
        }

        LogUnexpected(logger, exception, operation);
        var traceId = Activity.Current?.TraceId.ToString();
        return new ServiceException(ErrorKind.Internal,
            traceId is null ? "An internal error occurred." : $"An internal error occurred (trace {traceId}).");
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
        ErrorKind.Internal => StatusCode.Internal,
        _ => StatusCode.Unknown,
    };

    /// <summary>The google.rpc status of an error, with a BadRequest detail (one violation per field) and RetryInfo.</summary>
    public static Google.Rpc.Status ToRpcStatus(ServiceException exception)
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

        return status;
    }

    public static RpcException ToRpcException(ServiceException exception) => ToRpcStatus(exception).ToRpcException();

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Dependency} failed during {Operation}; answering UNAVAILABLE")]
    private static partial void LogDependencyFailed(ILogger logger, Exception exception, string dependency, string operation);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unexpected failure in {Operation}")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, string operation);
}
