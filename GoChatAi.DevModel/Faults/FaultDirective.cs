using System.Globalization;
using System.Text.RegularExpressions;

namespace GoChatAi.DevModel.Faults;

/// <summary>
/// What a request asks the stand-in to do besides answering: the shape of the answer and the faults to show.
/// </summary>
/// <remarks>
/// <para>Grammar of the directive, written anywhere in the LAST user message (and removed before the echo):</para>
/// <code>
/// directive := "[[devmodel:" setting { ";" setting } "]]"       (case-insensitive, spaces allowed)
/// setting   := name [ "=" value ]                               (a bare name is a flag set to true)
/// duration  := number [ "ms" | "s" | "m" ]                      (a bare number is milliseconds)
///
/// key=ID            counter and journal key (letters, digits, _ . : -)
/// latency=DURATION  wait before answering at all (errors too)
/// slow=DURATION     wait before each content delta (non-streaming: once per word)
/// tokens=N          answer with exactly N words, one delta each
/// window=N          context window for this request (default DevModel:ContextWindow)
/// finish=REASON     finish_reason to report: stop | length | content_filter | tool_calls
/// usage=STYLE       openai (default) | vllm (choices: null) | final (on the finish chunk) | none
/// promptfilter      Azure-style first chunk with choices: [] and prompt_filter_results (alias: azure)
/// split             each event written in several pieces, flushed apart
/// batch[=N]         N events (default 3) per write
/// crlf              CRLF line ends
/// keepalive         ": keep-alive" comment lines before and between events
/// parallel          with tools offered, call each of them (up to 3) at once rather than the first only
/// -- failures (counted by times/xN) --
/// fail=KIND[xN]     429-rate | 429-quota | 500 | 502 | 503 | 401 | 400-context | 404; xN = first N requests only
/// retry=DURATION    Retry-After / retry-after-ms of 429-rate (default 1s)
/// times=N           the failures below apply to the first N requests of this key, then it succeeds
/// cut=N             abort the connection after N content deltas (no finish, no [DONE])
/// close=N           end the response cleanly after N content deltas (no finish, no [DONE])
/// error=N           after N content deltas send data: {"error":{...}} and end without [DONE]
/// nodone            the whole answer and usage, but no data: [DONE]
/// refuse=stream_options  400 unknown_parameter when the request carries stream_options
/// </code>
/// <para>Every property is nullable so that a request's directive can be laid over the global defaults set by
/// <c>POST /_devmodel/faults</c>: a value the request gives wins, one it leaves out comes from the defaults.</para>
/// </remarks>
internal sealed partial record FaultDirective
{
    public static FaultDirective None { get; } = new();

    private static readonly TimeSpan s_longestDelay = TimeSpan.FromMinutes(10);

    public string? Key { get; init; }
    public TimeSpan? Latency { get; init; }
    public TimeSpan? Slow { get; init; }
    public int? Tokens { get; init; }
    public int? Window { get; init; }
    public string? Finish { get; init; }
    public UsageStyle? Usage { get; init; }
    public bool? PromptFilter { get; init; }
    public bool? Split { get; init; }
    public int? Batch { get; init; }
    public bool? Crlf { get; init; }
    public bool? KeepAlive { get; init; }
    public bool? Parallel { get; init; }

    public FailureKind? Fail { get; init; }
    public TimeSpan? RetryAfter { get; init; }
    public int? Times { get; init; }
    public int? CutAfter { get; init; }
    public int? CloseAfter { get; init; }
    public int? ErrorAfter { get; init; }
    public bool? NoDone { get; init; }
    public bool? RefuseStreamOptions { get; init; }

    /// <summary>Whether any of the settings that <c>times</c> counts is set.</summary>
    public bool HasFailures =>
        Fail is not null || CutAfter is not null || CloseAfter is not null || ErrorAfter is not null
        || NoDone == true || RefuseStreamOptions == true;

    /// <summary>The same request once its counted failures are spent: the shape stays, the faults go.</summary>
    public FaultDirective WithoutFailures() => this with
    {
        Fail = null,
        CutAfter = null,
        CloseAfter = null,
        ErrorAfter = null,
        NoDone = null,
        RefuseStreamOptions = null,
    };

    /// <summary>This directive laid over <paramref name="defaults"/>: what this one sets wins.</summary>
    public FaultDirective Over(FaultDirective defaults) => new()
    {
        Key = Key ?? defaults.Key,
        Latency = Latency ?? defaults.Latency,
        Slow = Slow ?? defaults.Slow,
        Tokens = Tokens ?? defaults.Tokens,
        Window = Window ?? defaults.Window,
        Finish = Finish ?? defaults.Finish,
        Usage = Usage ?? defaults.Usage,
        PromptFilter = PromptFilter ?? defaults.PromptFilter,
        Split = Split ?? defaults.Split,
        Batch = Batch ?? defaults.Batch,
        Crlf = Crlf ?? defaults.Crlf,
        KeepAlive = KeepAlive ?? defaults.KeepAlive,
        Parallel = Parallel ?? defaults.Parallel,
        Fail = Fail ?? defaults.Fail,
        RetryAfter = RetryAfter ?? defaults.RetryAfter,
        Times = Times ?? defaults.Times,
        CutAfter = CutAfter ?? defaults.CutAfter,
        CloseAfter = CloseAfter ?? defaults.CloseAfter,
        ErrorAfter = ErrorAfter ?? defaults.ErrorAfter,
        NoDone = NoDone ?? defaults.NoDone,
        RefuseStreamOptions = RefuseStreamOptions ?? defaults.RefuseStreamOptions,
    };

    /// <summary>
    /// Reads every <c>[[devmodel: ...]]</c> in a message (later ones win) and gives back the text without them.
    /// </summary>
    public static bool TryFromMessage(string text, out FaultDirective directive, out string remainingText, out string? error)
    {
        directive = None;
        remainingText = text;
        error = null;

        var matches = DirectivePattern().Matches(text);
        if (matches.Count == 0)
            return true;

        foreach (Match match in matches)
        {
            if (!TryParse(match.Groups["settings"].Value, out var parsed, out error))
                return false;
            directive = parsed.Over(directive);
        }

        remainingText = DirectivePattern().Replace(text, " ");
        return true;
    }

    /// <summary>Parses the settings part, <c>slow=20ms; tokens=5; crlf</c>.</summary>
    public static bool TryParse(string settings, out FaultDirective directive, out string? error)
    {
        directive = None;
        error = null;
        foreach (var rawSetting in settings.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = rawSetting.IndexOf('=', StringComparison.Ordinal);
            var name = (equals < 0 ? rawSetting : rawSetting[..equals]).Trim().ToLowerInvariant();
            var value = equals < 0 ? null : rawSetting[(equals + 1)..].Trim();
            if (!TryApply(directive, name, value, out directive, out error))
            {
                error = $"'{rawSetting}': {error}";
                return false;
            }
        }

        return true;
    }

    private static bool TryApply(FaultDirective current, string name, string? value, out FaultDirective next, out string? error)
    {
        next = current;
        error = null;
        switch (name)
        {
            case "key":
                if (value is null || !KeyPattern().IsMatch(value))
                    return Reject(out error, "a key is 1 to 128 letters, digits, '_', '.', ':' or '-'");
                next = current with { Key = value };
                return true;
            case "latency":
                return TryDuration(value, out var latency, out error) && Set(out next, current with { Latency = latency });
            case "slow":
                return TryDuration(value, out var slow, out error) && Set(out next, current with { Slow = slow });
            case "retry":
                return TryDuration(value, out var retry, out error) && Set(out next, current with { RetryAfter = retry });
            case "tokens":
                return TryCount(value, 1, 100_000, out var tokens, out error) && Set(out next, current with { Tokens = tokens });
            case "window":
                return TryCount(value, 1, 10_000_000, out var window, out error) && Set(out next, current with { Window = window });
            case "times":
                return TryCount(value, 0, 1_000_000, out var times, out error) && Set(out next, current with { Times = times });
            case "cut":
                return TryCount(value, 0, 100_000, out var cut, out error) && Set(out next, current with { CutAfter = cut });
            case "close":
                return TryCount(value, 0, 100_000, out var close, out error) && Set(out next, current with { CloseAfter = close });
            case "error":
                return TryCount(value, 0, 100_000, out var errorAfter, out error) && Set(out next, current with { ErrorAfter = errorAfter });
            case "batch":
                if (value is null)
                    return Set(out next, current with { Batch = 3 });
                return TryCount(value, 1, 1000, out var batch, out error) && Set(out next, current with { Batch = batch });
            case "finish":
                if (value is not ("stop" or "length" or "content_filter" or "tool_calls"))
                    return Reject(out error, "finish is stop, length, content_filter or tool_calls");
                next = current with { Finish = value };
                return true;
            case "usage":
                UsageStyle? usage = value?.ToLowerInvariant() switch
                {
                    "openai" => UsageStyle.OpenAi,
                    "vllm" => UsageStyle.Vllm,
                    "final" => UsageStyle.Final,
                    "none" => UsageStyle.None,
                    _ => null,
                };
                if (usage is null)
                    return Reject(out error, "usage is openai, vllm, final or none");
                next = current with { Usage = usage };
                return true;
            case "refuse":
                if (!string.Equals(value, "stream_options", StringComparison.OrdinalIgnoreCase))
                    return Reject(out error, "only refuse=stream_options is known");
                next = current with { RefuseStreamOptions = true };
                return true;
            case "fail":
                return TryFailure(value, current, out next, out error);
            case "nodone":
                return TryFlag(value, out var noDone, out error) && Set(out next, current with { NoDone = noDone });
            case "promptfilter" or "azure":
                return TryFlag(value, out var promptFilter, out error) && Set(out next, current with { PromptFilter = promptFilter });
            case "split":
                return TryFlag(value, out var split, out error) && Set(out next, current with { Split = split });
            case "crlf":
                return TryFlag(value, out var crlf, out error) && Set(out next, current with { Crlf = crlf });
            case "keepalive":
                return TryFlag(value, out var keepAlive, out error) && Set(out next, current with { KeepAlive = keepAlive });
            case "parallel":
                return TryFlag(value, out var parallel, out error) && Set(out next, current with { Parallel = parallel });
            default:
                return Reject(out error, "unknown setting (see the stand-in's README)");
        }
    }

    private static bool TryFailure(string? value, FaultDirective current, out FaultDirective next, out string? error)
    {
        next = current;
        error = null;
        if (value is null)
            return Reject(out error, "fail needs a kind: 429-rate, 429-quota, 500, 502, 503, 401, 400-context or 404");

        // "500x2": the kind, then how many requests of the key fail before one succeeds.
        int? times = null;
        var repeated = RepeatedFailurePattern().Match(value);
        if (repeated.Success)
        {
            if (!TryCount(repeated.Groups["times"].Value, 0, 1_000_000, out var count, out error))
                return false;
            times = count;
            value = repeated.Groups["kind"].Value;
        }

        if (!FailureKinds.TryParse(value, out var kind))
            return Reject(out error, "fail is 429-rate, 429-quota, 500, 502, 503, 401, 400-context or 404, optionally with xN");

        next = current with { Fail = kind, Times = times ?? current.Times };
        return true;
    }

    private static bool TryDuration(string? value, out TimeSpan duration, out string? error)
    {
        duration = default;
        error = null;
        var match = value is null ? null : DurationPattern().Match(value);
        if (match is not { Success: true }
            || !double.TryParse(match.Groups["amount"].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount))
            return Reject(out error, "a duration is a number with ms, s or m (a bare number is milliseconds)");

        duration = match.Groups["unit"].Value.ToLowerInvariant() switch
        {
            "s" => TimeSpan.FromSeconds(amount),
            "m" => TimeSpan.FromMinutes(amount),
            _ => TimeSpan.FromMilliseconds(amount),
        };
        return duration <= s_longestDelay || Reject(out error, "at most 10 minutes");
    }

    private static bool TryCount(string? value, int min, int max, out int count, out string? error)
    {
        error = null;
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out count) && count >= min && count <= max)
            return true;
        return Reject(out error, string.Create(CultureInfo.InvariantCulture, $"a whole number from {min} to {max}"));
    }

    private static bool TryFlag(string? value, out bool flag, out string? error)
    {
        error = null;
        switch (value?.ToLowerInvariant())
        {
            case null or "true" or "on" or "1" or "yes":
                flag = true;
                return true;
            case "false" or "off" or "0" or "no":
                flag = false;
                return true;
            default:
                flag = false;
                return Reject(out error, "a flag is bare, or =true / =false");
        }
    }

    private static bool Set(out FaultDirective next, FaultDirective value)
    {
        next = value;
        return true;
    }

    private static bool Reject(out string? error, string message)
    {
        error = message;
        return false;
    }

    /// <summary>The canonical directive text (what <c>GET /_devmodel/faults</c> shows and the journal records).</summary>
    public string ToDirectiveString()
    {
        var settings = new List<string>();
        void Add(string name, object? value)
        {
            switch (value)
            {
                case null:
                    return;
                case true:
                    settings.Add(name);
                    return;
                case false:
                    settings.Add(name + "=false");
                    return;
                case TimeSpan duration:
                    settings.Add(string.Create(CultureInfo.InvariantCulture, $"{name}={duration.TotalMilliseconds:0.###}ms"));
                    return;
                default:
                    settings.Add(string.Create(CultureInfo.InvariantCulture, $"{name}={value}"));
                    return;
            }
        }

        Add("key", Key);
        Add("latency", Latency);
        Add("slow", Slow);
        Add("tokens", Tokens);
        Add("window", Window);
        Add("finish", Finish);
        Add("usage", Usage?.ToString().ToLowerInvariant());
        Add("promptfilter", PromptFilter);
        Add("split", Split);
        Add("batch", Batch);
        Add("crlf", Crlf);
        Add("keepalive", KeepAlive);
        Add("parallel", Parallel);
        Add("fail", Fail?.Name());
        Add("retry", RetryAfter);
        Add("times", Times);
        Add("cut", CutAfter);
        Add("close", CloseAfter);
        Add("error", ErrorAfter);
        Add("nodone", NoDone);
        Add("refuse", RefuseStreamOptions == true ? "stream_options" : null);
        return string.Join("; ", settings);
    }

    public override string ToString() => ToDirectiveString();

    [GeneratedRegex(@"\[\[\s*devmodel\s*:(?<settings>[^\]]*)\]\]", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DirectivePattern();

    [GeneratedRegex(@"^(?<kind>.+?)x(?<times>\d+)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex RepeatedFailurePattern();

    [GeneratedRegex(@"^[A-Za-z0-9_.:\-]{1,128}$", RegexOptions.CultureInvariant)]
    private static partial Regex KeyPattern();

    [GeneratedRegex(@"^(?<amount>\d+(\.\d+)?)\s*(?<unit>ms|s|m)?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DurationPattern();
}
