using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Grpc.JsonTranscoding;
using Microsoft.AspNetCore.Http;

namespace GoChatAi.ServiceDefaults.Errors;

/// <summary>
/// What a REST request body must be before any handler reads it: JSON (else 415), no larger than the limit it
/// declares (else 413), and made only of the request message's fields (else 400 naming each unknown one, so that
/// a misspelt or smuggled field is never silently dropped). gRPC requests pass through untouched; the same size
/// limit holds for them through gRPC's own message limit.
/// </summary>
public static class RestRequestBodies
{
    public static IApplicationBuilder UseRestRequestBodyChecks(this IApplicationBuilder app, long maxBytes) => app.Use(async (context, next) =>
    {
        var request = context.Request;
        var contentType = request.ContentType ?? "";
        var hasBody = request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0;
        if (!hasBody || contentType.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase))
        {
            await next(context);
            return;
        }

        if (!IsJson(contentType))
        {
            await ServiceErrorHttpResponse.WriteAsync(context.Response, new ServiceException(ErrorKind.InvalidArgument,
                "The request body must be JSON (Content-Type: application/json)."), context.RequestAborted, StatusCodes.Status415UnsupportedMediaType);
            return;
        }

        if (request.ContentLength > maxBytes)
        {
            await ServiceErrorHttpResponse.WriteAsync(context.Response, new ServiceException(ErrorKind.InvalidArgument,
                $"The request body must be at most {maxBytes} bytes."), context.RequestAborted, StatusCodes.Status413PayloadTooLarge);
            return;
        }

        if (context.GetEndpoint()?.Metadata.GetMetadata<GrpcJsonTranscodingMetadata>() is { } transcoded
            && transcoded.HttpRule.Body == "*"
            && await UnknownFieldsAsync(request, transcoded) is { Count: > 0 } unknown)
        {
            await ServiceErrorHttpResponse.WriteAsync(context.Response, ServiceException.InvalidArgument(
                unknown.Select(name => new FieldViolation(name, "is not a field of this request")).ToList()), context.RequestAborted);
            return;
        }

        await next(context);
    });

    private static async Task<List<string>?> UnknownFieldsAsync(HttpRequest request, GrpcJsonTranscodingMetadata transcoded)
    {
        request.EnableBuffering();
        try
        {
            using var document = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            var fields = transcoded.MethodDescriptor.InputType.Fields.InDeclarationOrder();
            return document.RootElement.EnumerateObject()
                .Select(property => property.Name)
                .Where(name => !fields.Any(f => f.JsonName == name || f.Name == name))
                .ToList();
        }
        catch (JsonException)
        {
            // Malformed JSON is transcoding's to refuse, in its own words.
            return null;
        }
        finally
        {
            request.Body.Position = 0;
        }
    }

    private static bool IsJson(string contentType)
    {
        var mediaType = contentType.Split(';', 2)[0].Trim();
        return mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
    }
}
