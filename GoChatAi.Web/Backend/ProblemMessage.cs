using Google.Rpc;
using Grpc.Core;

namespace GoChatAi.Web.Backend;

/// <summary>
/// What a person reads when a call fails: the services' own sentences where they are written for people (a field's
/// rule, a limit and when it lifts), a plain sentence for everything else. Never a status code or a stack trace.
/// </summary>
public static class ProblemMessage
{
    public const string Unavailable = "The chat is unavailable right now. Try again in a moment.";
    public const string TimedOut = "The model took too long to answer. Try again.";
    public const string Unexpected = "Something went wrong. Try again.";

    public static string For(RpcException exception)
    {
        var status = exception.GetRpcStatus();
        return exception.StatusCode switch
        {
            StatusCode.InvalidArgument when status?.GetDetail<BadRequest>() is { FieldViolations.Count: > 0 } badRequest =>
                string.Join(" ", badRequest.FieldViolations.Select(v => $"The {Readable(v.Field)} {v.Description}.")),
            StatusCode.ResourceExhausted when status?.GetDetail<RetryInfo>()?.RetryDelay is { } delay =>
                $"{exception.Status.Detail} ({Wait(delay.ToTimeSpan())})",
            StatusCode.InvalidArgument or StatusCode.ResourceExhausted or StatusCode.FailedPrecondition or StatusCode.NotFound
                or StatusCode.AlreadyExists or StatusCode.PermissionDenied or StatusCode.OutOfRange => exception.Status.Detail,
            StatusCode.Unavailable => Unavailable,
            StatusCode.DeadlineExceeded => TimedOut,
            _ => Unexpected,
        };
    }

    /// <summary>A failed generation's reason, as its event carries it (written for people by the ChatService).</summary>
    public static string ForGeneration(Google.Rpc.Code code, string message) => code switch
    {
        Google.Rpc.Code.Unavailable when string.IsNullOrEmpty(message) => Unavailable,
        Google.Rpc.Code.DeadlineExceeded when string.IsNullOrEmpty(message) => TimedOut,
        _ => string.IsNullOrEmpty(message) ? Unexpected : message,
    };

    private static string Readable(string field) => field.Replace('_', ' ');

    private static string Wait(TimeSpan delay) => delay switch
    {
        _ when delay < TimeSpan.FromMinutes(2) => FormattableString.Invariant($"you can try again in {Math.Max(1, Math.Ceiling(delay.TotalSeconds))} s"),
        _ when delay < TimeSpan.FromHours(2) => FormattableString.Invariant($"you can try again in {Math.Ceiling(delay.TotalMinutes)} min"),
        _ => FormattableString.Invariant($"you can try again in {Math.Ceiling(delay.TotalHours)} h"),
    };
}
