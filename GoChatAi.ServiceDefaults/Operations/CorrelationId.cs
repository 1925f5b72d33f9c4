using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GoChatAi.ServiceDefaults.Operations;

/// <summary>
/// A correlation id for every request: taken from <c>X-Correlation-ID</c> when the caller sends a sane one, made
/// otherwise; returned in the response, put on every log line of the request (a logging scope) and sent on with
/// every call the request makes (an outgoing handler and W3C baggage).
/// </summary>
public static class CorrelationId
{
    public const string HeaderName = "X-Correlation-ID";
    private const string BaggageKey = "correlation.id";
    private const int MaxLength = 64;

    /// <summary>The current request's correlation id, if any.</summary>
    public static string? Current => Activity.Current?.GetBaggageItem(BaggageKey);

    public static IApplicationBuilder UseCorrelationId(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var incoming = context.Request.Headers[HeaderName].ToString();
        var id = IsSane(incoming) ? incoming : Activity.Current?.TraceId.ToHexString() ?? Guid.NewGuid().ToString("N");

        Activity.Current?.SetBaggage(BaggageKey, id);
        Activity.Current?.SetTag(BaggageKey, id);
        context.Response.Headers[HeaderName] = id;

        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("GoChatAi.Requests");
        using (logger.BeginScope(new Dictionary<string, object> { ["CorrelationId"] = id }))
        {
            await next(context);
        }
    });

    // Only what a log line or a header can carry safely.
    private static bool IsSane(string value) =>
        value.Length is > 0 and <= MaxLength && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}

/// <summary>Sends the current request's correlation id with every outgoing HTTP (and gRPC) call.</summary>
public sealed class CorrelationIdHandler : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (CorrelationId.Current is { } id && !request.Headers.Contains(CorrelationId.HeaderName))
        {
            request.Headers.Add(CorrelationId.HeaderName, id);
        }

        return base.SendAsync(request, cancellationToken);
    }
}
