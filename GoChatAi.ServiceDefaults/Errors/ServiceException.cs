namespace GoChatAi.ServiceDefaults.Errors;

/// <summary>What kind of failure a use case reports; each maps to one gRPC status and one HTTP status.</summary>
public enum ErrorKind
{
    InvalidArgument,
    NotFound,
    AlreadyExists,
    PermissionDenied,
    Unauthenticated,
    ResourceExhausted,
    FailedPrecondition,
    Unavailable,
    DeadlineExceeded,
    OutOfRange,

    /// <summary>A failure of the service itself: the caller learns nothing but the trace id to report.</summary>
    Internal,
}

/// <summary>One invalid field of a request, named as in the API (snake_case, as in the .proto).</summary>
public sealed record FieldViolation(string Field, string Description);

/// <summary>
/// A failure that is the caller's to know about. The application layer throws it; one interceptor turns it into
/// the gRPC status (with google.rpc details), which JSON transcoding turns into the HTTP status and error body.
/// Anything else that escapes a call is an internal error and is answered without detail.
/// </summary>
public sealed class ServiceException : Exception
{
    public ServiceException(
        ErrorKind kind, string message, IReadOnlyList<FieldViolation>? violations = null, TimeSpan? retryAfter = null, int? httpStatus = null)
        : base(message)
    {
        Kind = kind;
        Violations = violations ?? [];
        RetryAfter = retryAfter;
        HttpStatus = httpStatus;
    }

    public ErrorKind Kind { get; }

    public IReadOnlyList<FieldViolation> Violations { get; }

    /// <summary>How long the caller should wait before trying again (RESOURCE_EXHAUSTED, UNAVAILABLE).</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>An HTTP status more precise than the one of <see cref="Kind"/> (413, 415), where HTTP has one.</summary>
    public int? HttpStatus { get; }

    /// <summary>
    /// A machine-readable cause finer than <see cref="Kind"/> (<see cref="ErrorReasons"/>), for the APIs whose errors
    /// carry one (the OpenAI-compatible endpoint's <c>code</c>).
    /// </summary>
    public string? Reason { get; init; }

    public static ServiceException InvalidArgument(IReadOnlyList<FieldViolation> violations) =>
        new(ErrorKind.InvalidArgument,
            "The request is invalid: " + string.Join("; ", violations.Select(v => $"{v.Field}: {v.Description}")),
            violations);

    public static ServiceException InvalidArgument(string field, string description) =>
        InvalidArgument([new FieldViolation(field, description)]);

    public static ServiceException NotFound(string what) => new(ErrorKind.NotFound, $"{what} was not found.");

    public static ServiceException PermissionDenied(string message = "You may not do this.") =>
        new(ErrorKind.PermissionDenied, message);

    public static ServiceException Unauthenticated(string message = "A valid access token is required.") =>
        new(ErrorKind.Unauthenticated, message);

    public static ServiceException ResourceExhausted(string message, TimeSpan retryAfter) =>
        new(ErrorKind.ResourceExhausted, message, retryAfter: retryAfter);

    /// <summary>A request body or message larger than the service reads: 413 over REST, RESOURCE_EXHAUSTED over gRPC.</summary>
    public static ServiceException TooLarge(long maxBytes) =>
        new(ErrorKind.ResourceExhausted, $"The request must be at most {maxBytes} bytes.", httpStatus: 413);
}

/// <summary>The causes a <see cref="ServiceException.Reason"/> names, as OpenAI's API names them.</summary>
public static class ErrorReasons
{
    public const string ModelNotFound = "model_not_found";
    public const string ContextLengthExceeded = "context_length_exceeded";
    public const string RateLimitExceeded = "rate_limit_exceeded";
    public const string InsufficientQuota = "insufficient_quota";
    public const string InvalidApiKey = "invalid_api_key";
}
