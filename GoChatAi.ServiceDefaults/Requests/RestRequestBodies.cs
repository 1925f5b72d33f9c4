using System.Buffers;
using System.Text.Json;
using System.Text.Unicode;
using GoChatAi.ServiceDefaults.Errors;
using Google.Protobuf.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Grpc.JsonTranscoding;
using Microsoft.AspNetCore.Http;

namespace GoChatAi.ServiceDefaults.Requests;

/// <summary>
/// Names the protobuf message a plain (not transcoded) REST endpoint reads from its JSON body, so that its body
/// gets the same checks as a transcoded one.
/// </summary>
public sealed record RestBodyMessage(MessageDescriptor Descriptor);

/// <summary>
/// Marks a plain REST endpoint that reads its body itself, up to <paramref name="MaxBytes"/> (a file upload larger than
/// any request message): the checks only make sure it is JSON, and the web server cuts it off at
/// <see cref="RestRequestBodies.HardLimitFactor"/> times that instead of the usual limit.
/// </summary>
public sealed record RestBodyReadByEndpoint(long MaxBytes);

/// <summary>
/// What a REST request must be before any handler reads it: a body that is JSON (else 415; none at all reads as
/// an empty message), no larger than the
/// limit (else 413, whether it declares its length or is chunked), well-formed UTF-8 JSON, and shaped like the
/// request message (<see cref="ProtoJsonShape"/>: else 400 naming each bad field); query parameters of the right
/// kind. gRPC requests pass through untouched; gRPC limits their size itself.
/// </summary>
public static class RestRequestBodies
{
    /// <summary>
    /// The web server cuts a body off here. Between the API's limit and this, an oversized body is read to its end and
    /// discarded, so that the client, having sent it, reads the 413 instead of a reset connection.
    /// </summary>
    public const long HardLimitFactor = 4;

    public static IApplicationBuilder UseRestRequestChecks(this IApplicationBuilder app, long maxBytes) => app.Use(async (context, next) =>
    {
        var request = context.Request;
        if (ServiceErrorHttpResponse.IsGrpc(request))
        {
            await next(context);
            return;
        }

        var endpoint = context.GetEndpoint();
        var transcoded = endpoint?.Metadata.GetMetadata<GrpcJsonTranscodingMetadata>();
        var bodyMessage = transcoded is { HttpRule.Body: "*" } ? transcoded.MethodDescriptor.InputType : endpoint?.Metadata.GetMetadata<RestBodyMessage>()?.Descriptor;
        var violations = new List<FieldViolation>();
        if (request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            if (!IsJson(request.ContentType ?? ""))
            {
                await ServiceErrorHttpResponse.WriteAsync(context.Response, new ServiceException(ErrorKind.InvalidArgument,
                    "The request body must be JSON (Content-Type: application/json).", httpStatus: StatusCodes.Status415UnsupportedMediaType), context.RequestAborted);
                return;
            }

            if (endpoint?.Metadata.GetMetadata<RestBodyReadByEndpoint>() is { } readByEndpoint)
            {
                if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
                {
                    bodyLimit.MaxRequestBodySize = readByEndpoint.MaxBytes * HardLimitFactor;
                }

                await next(context);
                return;
            }

            var body = request.ContentLength > maxBytes ? null : await ReadBodyAsync(request, maxBytes);
            if (body is null)
            {
                await ServiceErrorHttpResponse.WriteAsync(context.Response, ServiceException.TooLarge(maxBytes), context.RequestAborted);
                return;
            }

            if (bodyMessage is not null)
            {
                CheckBody(body, bodyMessage, violations);
            }

            // The handler reads the body from memory, as read here.
            request.Body = new MemoryStream(body, writable: false);
        }
        else if (bodyMessage is not null)
        {
            // No body is an empty message: a request whose fields are all optional needs none, and one that
            // needs a field is told which, instead of that a content type is missing.
            request.Body = new MemoryStream("{}"u8.ToArray(), writable: false);
            request.ContentLength = 2;
            request.ContentType = "application/json";
        }

        if (transcoded is not null)
        {
            ProtoJsonShape.CheckQuery(request.Query, transcoded.MethodDescriptor.InputType, violations);
        }

        if (violations.Count > 0)
        {
            await ServiceErrorHttpResponse.WriteAsync(context.Response, ServiceException.InvalidArgument(violations), context.RequestAborted);
            return;
        }

        await next(context);
    });

    /// <summary>
    /// The whole body, or null when it is over <paramref name="maxBytes"/>: what follows is then read and dropped (up to
    /// the web server's limit), so that the client, having sent it, reads the answer.
    /// </summary>
    public static async Task<byte[]?> ReadBodyAsync(HttpRequest request, long maxBytes)
    {
        var cancellationToken = request.HttpContext.RequestAborted;
        if (request.ContentLength > maxBytes)
        {
            await DiscardAsync(request, cancellationToken);
            return null;
        }

        var body = new ArrayBufferWriter<byte>((int)Math.Min(request.ContentLength ?? 4096, maxBytes) + 1);
        while (true)
        {
            var read = await request.Body.ReadAsync(body.GetMemory(4096), cancellationToken);
            if (read == 0)
            {
                return body.WrittenSpan.ToArray();
            }

            body.Advance(read);
            if (body.WrittenCount > maxBytes)
            {
                break;
            }
        }

        await DiscardAsync(request, cancellationToken);
        return null;
    }

    private static async Task DiscardAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var discard = new byte[16 * 1024];
        try
        {
            while (await request.Body.ReadAsync(discard, cancellationToken) > 0)
            {
            }
        }
        catch (BadHttpRequestException)
        {
            // Past the hard limit: the server closes the connection.
        }
    }

    private static void CheckBody(byte[] body, MessageDescriptor message, List<FieldViolation> violations)
    {
        // The JSON reader does not look inside strings; text that is not UTF-8 is refused here, the same on every route.
        if (!Utf8.IsValid(body))
        {
            violations.Add(new FieldViolation("body", "must be UTF-8 text"));
            return;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                ProtoJsonShape.CheckObject(document.RootElement, message, violations);
            }
            else
            {
                violations.Add(new FieldViolation("body", "must be a JSON object"));
            }
        }
        catch (JsonException)
        {
            violations.Add(new FieldViolation("body", "must be a well-formed JSON object"));
        }
    }

    private static bool IsJson(string contentType)
    {
        var mediaType = contentType.Split(';', 2)[0].Trim();
        return mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
    }
}
