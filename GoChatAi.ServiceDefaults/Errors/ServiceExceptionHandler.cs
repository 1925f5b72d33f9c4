using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace GoChatAi.ServiceDefaults.Errors;

/// <summary>
/// What escapes the request pipeline outside a gRPC method (middleware, authentication events, plain endpoints) is
/// answered through <see cref="ServiceErrors"/>, in the caller's protocol: never a stack trace, never a bare 500
/// problem that a gRPC client reads as UNKNOWN.
/// </summary>
internal sealed class ServiceExceptionHandler(ILogger<ServiceExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (httpContext.Response.HasStarted)
        {
            return false;
        }

        var error = ServiceErrors.Classify(exception, logger, $"{httpContext.Request.Method} {httpContext.Request.Path}");
        await ServiceErrorHttpResponse.WriteAsync(httpContext.Response, error, cancellationToken);
        return true;
    }
}
