using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Rpc;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using HttpResponse = Microsoft.AspNetCore.Http.HttpResponse;

namespace GoChatAi.ServiceDefaults.Errors;

/// <summary>
/// The REST error of an endpoint that is plain ASP.NET Core rather than transcoded gRPC (such as a Server-Sent
/// Events stream): the same status, the same <c>{"code","message","details"}</c> body and the same
/// <c>Retry-After</c> header as <see cref="ServiceExceptionInterceptor"/> and JSON transcoding give every other call.
/// </summary>
public static class ServiceErrorHttpResponse
{
    private static readonly JsonFormatter s_formatter = new(JsonFormatter.Settings.Default
        .WithTypeRegistry(TypeRegistry.FromMessages(BadRequest.Descriptor, RetryInfo.Descriptor)));

    /// <param name="httpStatus">An HTTP status more precise than the gRPC code's (413, 415), where HTTP has one.</param>
    public static async Task WriteAsync(HttpResponse response, ServiceException exception, CancellationToken cancellationToken, int? httpStatus = null)
    {
        var status = ServiceExceptionInterceptor.ToRpcException(exception).GetRpcStatus()
            ?? new Google.Rpc.Status { Code = (int)ServiceExceptionInterceptor.ToStatusCode(exception.Kind), Message = exception.Message };
        response.StatusCode = httpStatus ?? ToHttpStatus(ServiceExceptionInterceptor.ToStatusCode(exception.Kind));
        SetRetryAfter(response, exception);
        response.ContentType = "application/json; charset=utf-8";
        await response.WriteAsync(s_formatter.Format(status), cancellationToken);
    }

    /// <summary>Over REST a RESOURCE_EXHAUSTED (or UNAVAILABLE) with a retry delay says it in <c>Retry-After</c> too.</summary>
    public static void SetRetryAfter(HttpResponse response, ServiceException exception)
    {
        if (exception.RetryAfter is { } retryAfter && !response.HasStarted)
        {
            response.Headers.RetryAfter = ((long)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    /// <summary>The HTTP status of a gRPC status code, as gRPC JSON transcoding (and google.api) maps it.</summary>
    public static int ToHttpStatus(StatusCode code) => code switch
    {
        StatusCode.OK => StatusCodes.Status200OK,
        StatusCode.Cancelled => 499,
        StatusCode.InvalidArgument or StatusCode.FailedPrecondition or StatusCode.OutOfRange => StatusCodes.Status400BadRequest,
        StatusCode.Unauthenticated => StatusCodes.Status401Unauthorized,
        StatusCode.PermissionDenied => StatusCodes.Status403Forbidden,
        StatusCode.NotFound => StatusCodes.Status404NotFound,
        StatusCode.AlreadyExists or StatusCode.Aborted => StatusCodes.Status409Conflict,
        StatusCode.ResourceExhausted => StatusCodes.Status429TooManyRequests,
        StatusCode.Unimplemented => StatusCodes.Status501NotImplemented,
        StatusCode.Unavailable => StatusCodes.Status503ServiceUnavailable,
        StatusCode.DeadlineExceeded => StatusCodes.Status504GatewayTimeout,
        _ => StatusCodes.Status500InternalServerError,
    };
}
