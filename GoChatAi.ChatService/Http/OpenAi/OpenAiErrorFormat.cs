using System.Text.Json;
using GoChatAi.ServiceDefaults.Errors;

namespace GoChatAi.ChatService.Http.OpenAi;

/// <summary>
/// Errors as OpenAI's API answers them: <c>{"error":{"message","type","param","code"}}</c> with OpenAI's status codes,
/// so that every OpenAI SDK raises the exception it raises for OpenAI. Authentication's refusals on these routes come
/// here too (endpoint metadata read by <see cref="ServiceErrorHttpResponse"/>).
/// </summary>
public sealed class OpenAiErrorFormat : IErrorResponseFormat
{
    public static OpenAiErrorFormat Instance { get; } = new();

    public async Task WriteAsync(HttpResponse response, ServiceException exception, CancellationToken cancellationToken)
    {
        response.StatusCode = ServiceErrorHttpResponse.ToHttpStatus(exception);
        ServiceErrorHttpResponse.SetRetryAfter(response, exception);
        response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(response.Body);
        Write(json, exception);
        await json.FlushAsync(cancellationToken);
    }

    /// <summary>The error object, also sent as the last event of a stream that fails after it began.</summary>
    public static void Write(Utf8JsonWriter json, ServiceException exception)
    {
        json.WriteStartObject();
        json.WriteStartObject("error");
        json.WriteString("message", exception.Message);
        json.WriteString("type", TypeOf(exception));
        if (exception.Violations.Count > 0)
        {
            json.WriteString("param", exception.Violations[0].Field);
        }
        else
        {
            json.WriteNull("param");
        }

        if ((exception.Reason ?? (exception.Kind == ErrorKind.Unauthenticated ? ErrorReasons.InvalidApiKey : null)) is { } code)
        {
            json.WriteString("code", code);
        }
        else
        {
            json.WriteNull("code");
        }

        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static string TypeOf(ServiceException exception) => exception.Kind switch
    {
        ErrorKind.ResourceExhausted when exception.Reason == ErrorReasons.InsufficientQuota => "insufficient_quota",
        ErrorKind.ResourceExhausted when exception.HttpStatus is null => "requests",
        ErrorKind.Unauthenticated => "invalid_request_error",
        ErrorKind.Unavailable or ErrorKind.DeadlineExceeded or ErrorKind.Internal => "server_error",
        _ => "invalid_request_error",
    };
}
