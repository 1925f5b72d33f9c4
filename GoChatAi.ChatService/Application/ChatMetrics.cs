using System.Diagnostics.Metrics;
using GoChatAi.ChatService.Domain;

namespace GoChatAi.ChatService.Application;

/// <summary>
/// The ChatService's business metrics (meter "GoChatAi.Chat"), exported over OTLP and on /metrics. The provider
/// calls themselves (title requests included) are measured apart by Microsoft.Extensions.AI's GenAI metrics;
/// these count what users were given and charged for, as the usage ledger does.
/// </summary>
public sealed class ChatMetrics
{
    public const string MeterName = "GoChatAi.Chat";

    /// <summary>
    /// Seconds, from a fast first token to an answer that runs for minutes. The OpenTelemetry default buckets are
    /// made for milliseconds and would put every answer in the first few.
    /// </summary>
    private static readonly IReadOnlyList<double> s_secondsBuckets =
        [0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 7.5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600];

    private readonly Counter<long> _messages;
    private readonly Counter<long> _answers;
    private readonly Counter<long> _tokens;
    private readonly Counter<long> _throttled;
    private readonly Histogram<double> _timeToFirstToken;
    private readonly Histogram<double> _answerDuration;
    private readonly Histogram<long> _feedBatch;
    private readonly Histogram<double> _feedWrite;

    public ChatMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _messages = meter.CreateCounter<long>("gochatai.chat.messages", "{message}", "Messages stored, by role (user, assistant).");
        _answers = meter.CreateCounter<long>("gochatai.chat.answers", "{answer}",
            "Answers of the model that ended, by model and finish reason (stop, length, content_filter, cancelled, incomplete).");
        _tokens = meter.CreateCounter<long>("gochatai.chat.tokens", "{token}",
            "Tokens of stored answers, by model and kind (prompt, completion): what the users' quotas are charged.");
        _throttled = meter.CreateCounter<long>("gochatai.chat.throttled_requests", "{request}",
            "Requests refused by a per-user limit, by limit (requests_per_minute, tokens_per_day).");
        var advice = new InstrumentAdvice<double> { HistogramBucketBoundaries = s_secondsBuckets };
        _timeToFirstToken = meter.CreateHistogram("gochatai.chat.time_to_first_token", "s",
            "From the start of a generation (the user's message stored) to the first text of its answer, by model.", tags: null, advice);
        _answerDuration = meter.CreateHistogram("gochatai.chat.answer.duration", "s",
            "From the start of a generation to its answer stored, by model and finish reason.", tags: null, advice);
        _feedBatch = meter.CreateHistogram("gochatai.chat.feed.batch_size", "{event}",
            "Events written in one round trip to the conversations' feeds in Redis (an answer's pieces that waited together count as one).", tags: null,
            new InstrumentAdvice<long> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192] });
        _feedWrite = meter.CreateHistogram("gochatai.chat.feed.write.duration", "s",
            "One round trip that writes a batch of events to the feeds, from the moment it is sent.", tags: null,
            new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] });
    }

    public void MessagesStored(MessageRole role, int count = 1) =>
        _messages.Add(count, new KeyValuePair<string, object?>("role", RoleName(role)));

    public void AnswerFinished(string model, FinishReason finishReason, TimeSpan duration)
    {
        var modelTag = new KeyValuePair<string, object?>("model", model);
        var finishTag = new KeyValuePair<string, object?>("finish_reason", FinishReasonName(finishReason));
        _answers.Add(1, modelTag, finishTag);
        _answerDuration.Record(duration.TotalSeconds, modelTag, finishTag);
    }

    public void TokensUsed(string model, int? promptTokens, int? completionTokens)
    {
        var modelTag = new KeyValuePair<string, object?>("model", model);
        if (promptTokens is > 0)
        {
            _tokens.Add(promptTokens.Value, modelTag, new KeyValuePair<string, object?>("kind", "prompt"));
        }

        if (completionTokens is > 0)
        {
            _tokens.Add(completionTokens.Value, modelTag, new KeyValuePair<string, object?>("kind", "completion"));
        }
    }

    public void FeedBatchWritten(int events, TimeSpan duration)
    {
        _feedBatch.Record(events);
        _feedWrite.Record(duration.TotalSeconds);
    }

    public void FirstToken(string model, TimeSpan elapsed) =>
        _timeToFirstToken.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("model", model));

    public void Throttled(string limit) => _throttled.Add(1, new KeyValuePair<string, object?>("limit", limit));

    // Fixed names rather than ToString(): a renamed enum member must not rename a series that dashboards query.
    private static string RoleName(MessageRole role) => role switch
    {
        MessageRole.User => "user",
        MessageRole.Assistant => "assistant",
        MessageRole.System => "system",
        _ => "unknown",
    };

    private static string FinishReasonName(FinishReason reason) => reason switch
    {
        FinishReason.Stop => "stop",
        FinishReason.Length => "length",
        FinishReason.ContentFilter => "content_filter",
        FinishReason.Cancelled => "cancelled",
        FinishReason.Incomplete => "incomplete",
        _ => "unknown",
    };
}

/// <summary>The limits a throttled request can hit, as the <c>limit</c> tag says them.</summary>
public static class ThrottleLimits
{
    public const string RequestsPerMinute = "requests_per_minute";
    public const string TokensPerDay = "tokens_per_day";
}
