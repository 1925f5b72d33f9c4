using System.ClientModel.Primitives;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;

namespace GoChatAi.ChatService.Infrastructure.Model;

/// <summary>
/// What an OpenAI-compatible provider's error response says, read one way for the retry policy
/// (<see cref="ModelResilience"/>) and for our caller (<see cref="ModelErrors"/>): how long it asks to wait, and
/// its error's code and type.
/// </summary>
internal static class ProviderResponses
{
    private const string InsufficientQuota = "insufficient_quota";

    /// <summary>The wait a response asks for: <c>retry-after-ms</c> (OpenAI, Azure), else <c>Retry-After</c> in seconds or as a date.</summary>
    public static TimeSpan? RetryAfter(HttpResponseMessage response, DateTimeOffset now) =>
        RetryAfter(First(response.Headers, "retry-after-ms"), First(response.Headers, "Retry-After"), now);

    /// <inheritdoc cref="RetryAfter(HttpResponseMessage, DateTimeOffset)"/>
    public static TimeSpan? RetryAfter(PipelineResponse response, DateTimeOffset now) =>
        RetryAfter(response.Headers.TryGetValue("retry-after-ms", out var milliseconds) ? milliseconds : null,
            response.Headers.TryGetValue("Retry-After", out var retryAfter) ? retryAfter : null, now);

    /// <inheritdoc cref="ReadError(ReadOnlyMemory{byte})"/>
    public static (string? Code, string? Type) ReadError(PipelineResponse? response)
    {
        try
        {
            return response is null ? default : ReadError(response.Content.ToMemory());
        }
        catch (InvalidOperationException)
        {
            // A streamed response whose body was not buffered: the status alone has to do.
            return default;
        }
    }

    /// <summary>
    /// The <c>code</c> and <c>type</c> of OpenAI's error body (<c>{"error":{"code":...,"type":...}}</c>); nulls when
    /// the body is not one.
    /// </summary>
    public static (string? Code, string? Type) ReadError(ReadOnlyMemory<byte> body)
    {
        if (body.IsEmpty)
        {
            return (null, null);
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("error", out var error)
                && error.ValueKind == JsonValueKind.Object)
            {
                return (Text(error, "code"), Text(error, "type"));
            }
        }
        catch (JsonException)
        {
            // Not OpenAI's error body: the status alone has to do.
        }

        return (null, null);

        static string? Text(JsonElement element, string name) =>
            element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
    }

    /// <summary>Whether the error says this deployment's quota is used up: a 429 that waiting does not cure.</summary>
    public static bool IsQuotaExhausted((string? Code, string? Type) error) => error.Code == InsufficientQuota || error.Type == InsufficientQuota;

    private static TimeSpan? RetryAfter(string? retryAfterMilliseconds, string? retryAfter, DateTimeOffset now)
    {
        if (double.TryParse(retryAfterMilliseconds, NumberStyles.Float, CultureInfo.InvariantCulture, out var milliseconds) && milliseconds >= 0)
        {
            return TimeSpan.FromMilliseconds(milliseconds);
        }

        return RetryConditionHeaderValue.TryParse(retryAfter, out var condition) switch
        {
            false => null,
            true when condition.Delta is { } delta => delta,
            true when condition.Date is { } date => date - now is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero,
            _ => null,
        };
    }

    private static string? First(HttpResponseHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
}
