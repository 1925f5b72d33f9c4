using System.Globalization;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Rpc;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using HttpRequest = Microsoft.AspNetCore.Http.HttpRequest;
using HttpResponse = Microsoft.AspNetCore.Http.HttpResponse;

namespace GoChatAi.ServiceDefaults.Errors;

/// <summary>
/// An error answered outside a gRPC method (middleware, authentication, a Server-Sent Events endpoint) exactly as
/// <see cref="ServiceExceptionInterceptor"/> and JSON transcoding answer it inside one: a REST caller gets the
/// status, the <c>{"code","message","details"}</c> body and <c>Retry-After</c>; a gRPC caller gets the same gRPC
/// status with its details, as a trailers-only response.
/// </summary>
public static class ServiceErrorHttpResponse
{
    // Default values written too: "details" is there (empty) on every error, as JSON transcoding writes it.
    private static readonly JsonFormatter s_formatter = new(JsonFormatter.Settings.Default
        .WithFormatDefaultValues(true)
        .WithTypeRegistry(TypeRegistry.FromMessages(BadRequest.Descriptor, RetryInfo.Descriptor)));

    public static Task WriteAsync(HttpResponse response, ServiceException exception, CancellationToken cancellationToken) =>
        IsGrpc(response.HttpContext.Request) ? WriteGrpcStatusAsync(response, exception)
        : response.HttpContext.GetEndpoint()?.Metadata.GetMetadata<IErrorResponseFormat>() is { } format ? format.WriteAsync(response, exception, cancellationToken)
        : WriteRestAsync(response, exception, cancellationToken);

    /// <summary>Over REST a RESOURCE_EXHAUSTED (or UNAVAILABLE) with a retry delay says it in <c>Retry-After</c> too.</summary>
    public static void SetRetryAfter(HttpResponse response, ServiceException exception)
    {
        if (exception.RetryAfter is { } retryAfter && !response.HasStarted)
        {
            response.Headers.RetryAfter = ((long)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }
    }

    /// <summary>The HTTP status of an error: its own where it has one, else its gRPC code's, as google.api maps it.</summary>
    public static int ToHttpStatus(ServiceException exception) => exception.HttpStatus ?? ServiceErrors.ToStatusCode(exception.Kind) switch
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

    public static bool IsGrpc(HttpRequest request) =>
        request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true;

    private static async Task WriteRestAsync(HttpResponse response, ServiceException exception, CancellationToken cancellationToken)
    {
        response.StatusCode = ToHttpStatus(exception);
        SetRetryAfter(response, exception);
        response.ContentType = "application/json; charset=utf-8";
        await response.WriteAsync(s_formatter.Format(ServiceErrors.ToRpcStatus(exception)), cancellationToken);
    }

    /// <summary>A trailers-only gRPC response: HTTP 200 whose headers carry the status, as gRPC servers answer a call they refuse.</summary>
    private static Task WriteGrpcStatusAsync(HttpResponse response, ServiceException exception)
    {
        var status = ServiceErrors.ToRpcStatus(exception);
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/grpc";
        response.Headers["grpc-status"] = status.Code.ToString(CultureInfo.InvariantCulture);
        response.Headers["grpc-message"] = Uri.EscapeDataString(status.Message);
        response.Headers["grpc-status-details-bin"] = Convert.ToBase64String(status.ToByteArray());
        return Task.CompletedTask;
    }
}

/// <summary>
/// Endpoint metadata for a REST API whose errors have another body than <c>{"code","message","details"}</c> (the
/// OpenAI-compatible endpoint's): every error of its routes, authentication's included, is written by it.
/// </summary>
public interface IErrorResponseFormat
{
    Task WriteAsync(HttpResponse response, ServiceException exception, CancellationToken cancellationToken);
}
