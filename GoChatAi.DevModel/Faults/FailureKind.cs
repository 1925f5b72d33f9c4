namespace GoChatAi.DevModel.Faults;

/// <summary>The error answers <c>fail=</c> can force, each as the real provider sends it.</summary>
internal enum FailureKind
{
    RateLimited,
    InsufficientQuota,
    ServerError,
    BadGateway,
    Overloaded,
    InvalidApiKey,
    ContextLengthExceeded,
    ModelNotFound,
}

internal static class FailureKinds
{
    public static bool TryParse(string value, out FailureKind kind)
    {
        switch (value.ToLowerInvariant())
        {
            case "429-rate" or "429" or "rate":
                kind = FailureKind.RateLimited;
                return true;
            case "429-quota" or "quota":
                kind = FailureKind.InsufficientQuota;
                return true;
            case "500" or "server":
                kind = FailureKind.ServerError;
                return true;
            case "502":
                kind = FailureKind.BadGateway;
                return true;
            case "503" or "overloaded":
                kind = FailureKind.Overloaded;
                return true;
            case "401" or "auth":
                kind = FailureKind.InvalidApiKey;
                return true;
            case "400-context" or "context":
                kind = FailureKind.ContextLengthExceeded;
                return true;
            case "404" or "model":
                kind = FailureKind.ModelNotFound;
                return true;
            default:
                kind = default;
                return false;
        }
    }

    public static string Name(this FailureKind kind) => kind switch
    {
        FailureKind.RateLimited => "429-rate",
        FailureKind.InsufficientQuota => "429-quota",
        FailureKind.ServerError => "500",
        FailureKind.BadGateway => "502",
        FailureKind.Overloaded => "503",
        FailureKind.InvalidApiKey => "401",
        FailureKind.ContextLengthExceeded => "400-context",
        FailureKind.ModelNotFound => "404",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public static int StatusCode(this FailureKind kind) => kind switch
    {
        FailureKind.RateLimited or FailureKind.InsufficientQuota => StatusCodes.Status429TooManyRequests,
        FailureKind.ServerError => StatusCodes.Status500InternalServerError,
        FailureKind.BadGateway => StatusCodes.Status502BadGateway,
        FailureKind.Overloaded => StatusCodes.Status503ServiceUnavailable,
        FailureKind.InvalidApiKey => StatusCodes.Status401Unauthorized,
        FailureKind.ContextLengthExceeded => StatusCodes.Status400BadRequest,
        FailureKind.ModelNotFound => StatusCodes.Status404NotFound,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}

/// <summary>How usage is reported on a stream (see the README's table).</summary>
internal enum UsageStyle
{
    /// <summary>OpenAI: a last chunk with <c>choices: []</c>, only when <c>stream_options.include_usage</c> is true.</summary>
    OpenAi,

    /// <summary>vLLM-style: the same last chunk with <c>choices: null</c>.</summary>
    Vllm,

    /// <summary>llama.cpp/Ollama-style: usage on the finishing chunk itself, asked for or not.</summary>
    Final,

    /// <summary>A server that ignores <c>stream_options</c>: no usage at all.</summary>
    None,
}
