using System.Globalization;
using System.Text.Json;
using GoChatAi.DevModel.Answers;
using GoChatAi.DevModel.Faults;
using GoChatAi.DevModel.Journal;
using GoChatAi.DevModel.Protocol;
using Microsoft.Extensions.Options;

namespace GoChatAi.DevModel.Endpoints;

/// <summary>
/// Answers one chat.completions request: key check, validation, the request's directive laid over the global
/// faults, then an error, a JSON completion or an event stream, each recorded in the journal.
/// </summary>
internal sealed class ChatCompletionHandler(
    IOptions<DevModelOptions> options,
    GlobalFaults globalFaults,
    FailureCounters failureCounters,
    RequestJournal journal,
    TimeProvider time,
    ILogger<ChatCompletionHandler> logger)
{
    private static readonly TimeSpan s_defaultRetryAfter = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan s_longestGeneration = TimeSpan.FromHours(1);

    public async Task HandleAsync(HttpContext context, string? deployment)
    {
        var cancellationToken = context.RequestAborted;
        var recorder = journal.Begin(context.Request.Method, context.Request.Path + context.Request.QueryString);
        try
        {
            await AnswerAsync(context, deployment, recorder, cancellationToken);
        }
        catch (Exception exception) when (cancellationToken.IsCancellationRequested && exception is OperationCanceledException or IOException)
        {
            // The client went away (or cut=N aborted the connection): there is no one left to answer.
        }
        finally
        {
            // No status when nothing was sent: the client left (or cut=N dropped the connection) before an answer.
            recorder.Complete(
                context.Response.HasStarted ? context.Response.StatusCode : null,
                clientAborted: cancellationToken.IsCancellationRequested);
            var entry = recorder.Entry;
            if (logger.IsEnabled(LogLevel.Information))
            {
                logger.LogInformation(
                    "Stand-in {Method} {Path} model {Model} stream {Stream}: {Status}, {Deltas} deltas, finish {FinishReason}, client aborted {ClientAborted}, faults [{Faults}]",
                    entry.Method, entry.Path, entry.Model, entry.Stream, entry.Status, entry.ContentDeltas, entry.FinishReason, entry.ClientAborted, entry.Faults);
            }
        }
    }

    private async Task AnswerAsync(HttpContext context, string? deployment, JournalRecorder recorder, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        OpenAiResponses.AddStandardHeaders(context.Response);

        if (!ApiKeyCheck.IsAuthorized(context.Request, settings.ApiKey, azureForm: deployment is not null, out var keyGiven))
        {
            await OpenAiResponses.WriteErrorAsync(context, StatusCodes.Status401Unauthorized, OpenAiError.InvalidApiKey(keyGiven), cancellationToken);
            return;
        }

        ChatCompletionRequest? request;
        try
        {
            request = await JsonSerializer.DeserializeAsync(context.Request.Body, DevModelJsonContext.Wire.ChatCompletionRequest, cancellationToken);
        }
        catch (JsonException exception)
        {
            await BadRequestAsync(context, OpenAiError.UnparsableBody(exception.Message), cancellationToken);
            return;
        }

        if (request is null)
        {
            await BadRequestAsync(context, OpenAiError.UnparsableBody("the body is null"), cancellationToken);
            return;
        }

        var model = request.Model ?? deployment;
        var streamed = request.Stream == true;
        recorder.Update(entry => entry.WithRequest(request) with { Model = model, Stream = streamed, IncludeUsage = streamed && request.IncludeUsage });
        var invalid = model is null ? OpenAiError.MissingParameter("model")
            : request.Messages is not { Count: > 0 } ? OpenAiError.MissingParameter("messages")
            : request.MaxTokens is int maxTokens and < 1 ? OpenAiError.BelowMinimum("max_tokens", maxTokens)
            : request.MaxCompletionTokens is int maxCompletion and < 1 ? OpenAiError.BelowMinimum("max_completion_tokens", maxCompletion)
            : null;
        if (invalid is not null || model is null || request.Messages is not { } messages)
        {
            await BadRequestAsync(context, invalid ?? OpenAiError.MissingParameter("messages"), cancellationToken);
            return;
        }

        if (RequestValidation.Check(request, messages, out var toolChoice) is { } refused)
        {
            await BadRequestAsync(context, refused, cancellationToken);
            return;
        }

        var lastUserText = messages.LastOrDefault(message => message.Role == "user")?.Text() ?? "";
        if (!FaultDirective.TryFromMessage(lastUserText, out var requested, out var echoText, out var directiveError))
        {
            await BadRequestAsync(context, OpenAiError.BadDirective(directiveError ?? "unreadable"), cancellationToken);
            return;
        }

        var faults = Effective(requested, lastUserText);
        recorder.Update(entry => entry with { Key = faults.Key, Faults = faults.ToDirectiveString() });

        if (faults.Latency is { } latency)
            await Task.Delay(latency, time, cancellationToken);

        if (faults.RefuseStreamOptions == true && request.SentStreamOptions)
        {
            await BadRequestAsync(context, OpenAiError.UnknownParameter("stream_options"), cancellationToken);
            return;
        }

        if (faults.Fail is { } failure)
        {
            await WriteFailureAsync(context, failure, faults, model, cancellationToken);
            return;
        }

        var promptTokens = TokenEstimate.ForPrompt(messages, request.Tools);
        var window = faults.Window ?? settings.ContextWindow;
        if (promptTokens + (request.OutputLimit ?? 0) > window)
        {
            await BadRequestAsync(context, OpenAiError.ContextLengthExceeded(window, promptTokens, request.OutputLimit), cancellationToken);
            return;
        }

        var plan = new CompletionPlan(
            "chatcmpl-" + Guid.NewGuid().ToString("N")[..24],
            time.GetUtcNow().ToUnixTimeSeconds(),
            model,
            AnswerComposer.Compose(request, messages, toolChoice, echoText, faults),
            promptTokens,
            request.IncludeUsage,
            faults);

        if (streamed)
            await ChatCompletionStreamer.StreamAsync(context, plan, recorder, time, cancellationToken);
        else
            await WriteCompletionAsync(context, plan, recorder, cancellationToken);
    }

    /// <summary>
    /// The request's own directive over the global one; once a key's <c>times</c> are spent, only the shape stays.
    /// </summary>
    private FaultDirective Effective(FaultDirective requested, string lastUserText)
    {
        var global = globalFaults.Current;
        var faults = requested.Over(global.Directive);
        if (!faults.HasFailures || faults.Times is not int times)
            return faults;

        // Without a key, a request's own count goes by its message (an SDK retry resends it unchanged);
        // a count set globally goes by the version of the global setting, so each POST counts afresh.
        var counterKey = faults.Key is not null ? "key:" + faults.Key
            : requested.Times is not null ? "message:" + lastUserText
            : "global:" + global.Version.ToString(CultureInfo.InvariantCulture);
        return failureCounters.CountAndCheck(counterKey, times) ? faults : faults.WithoutFailures();
    }

    private static async Task WriteFailureAsync(
        HttpContext context, FailureKind failure, FaultDirective faults, string model, CancellationToken cancellationToken)
    {
        var error = failure switch
        {
            FailureKind.RateLimited => OpenAiError.RateLimited(model, faults.RetryAfter ?? s_defaultRetryAfter),
            FailureKind.InsufficientQuota => OpenAiError.InsufficientQuota,
            FailureKind.ServerError => OpenAiError.ServerError,
            FailureKind.BadGateway => OpenAiError.BadGateway,
            FailureKind.Overloaded => OpenAiError.Overloaded,
            FailureKind.InvalidApiKey => OpenAiError.InvalidApiKeyFault,
            FailureKind.ContextLengthExceeded => OpenAiError.ContextLengthExceededFault,
            FailureKind.ModelNotFound => OpenAiError.ModelNotFound(model, fault: true),
            _ => OpenAiError.ServerError,
        };

        if (failure == FailureKind.RateLimited)
        {
            // Both forms, as OpenAI and Azure send them: whole seconds (rounded up) and exact milliseconds.
            var retryAfter = faults.RetryAfter ?? s_defaultRetryAfter;
            var headers = context.Response.Headers;
            headers.RetryAfter = Math.Ceiling(retryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            headers["retry-after-ms"] = Math.Ceiling(retryAfter.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
            headers["x-ratelimit-limit-requests"] = "3";
            headers["x-ratelimit-remaining-requests"] = "0";
            headers["x-ratelimit-reset-requests"] = string.Create(CultureInfo.InvariantCulture, $"{retryAfter.TotalSeconds:0.###}s");
        }

        await OpenAiResponses.WriteErrorAsync(context, failure.StatusCode(), error, cancellationToken);
    }

    private async Task WriteCompletionAsync(HttpContext context, CompletionPlan plan, JournalRecorder recorder, CancellationToken cancellationToken)
    {
        var answer = plan.Answer;
        // The whole generation's time at once; capped, as a silly slow × tokens could overflow Task.Delay.
        if (plan.Faults.Slow is { } slow)
            await Task.Delay(TimeSpan.FromTicks(Math.Min(slow.Ticks * answer.CompletionTokens, s_longestGeneration.Ticks)), time, cancellationToken);

        // Of the stream faults only the cut means anything without a stream: the connection drops, no answer.
        if (plan.Faults.CutAfter is not null)
        {
            recorder.Update(entry => entry with { ServerCut = true });
            context.Abort();
            return;
        }

        var completion = new ChatCompletion(
            plan.Id,
            "chat.completion",
            plan.Created,
            plan.Model,
            [new ChatCompletionChoice(0, Message(answer), null, answer.FinishReason)],
            Usage.Of(plan.PromptTokens, answer.CompletionTokens),
            OpenAiResponses.SystemFingerprint);

        recorder.Update(entry => entry with
        {
            FinishReason = answer.FinishReason,
            PromptTokens = plan.PromptTokens,
            CompletionTokens = answer.CompletionTokens,
            AnswerToolCalls = JournalRequestFields.ToolCalls(answer),
        });
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(context.Response.Body, completion, DevModelJsonContext.Wire.ChatCompletion, cancellationToken);
    }

    /// <summary>The answer's message: its text, or its tool calls with <c>"content": null</c>.</summary>
    private static AssistantMessage Message(StandInAnswer answer) => answer.CallsTools
        ? new AssistantMessage(
            "assistant",
            null,
            null,
            [.. answer.ToolCalls.Select(call => new ToolCall(call.Id, "function", new FunctionCall(call.Name, call.Arguments)))])
        : new AssistantMessage("assistant", answer.Text, null);

    private static Task BadRequestAsync(HttpContext context, OpenAiError error, CancellationToken cancellationToken) =>
        OpenAiResponses.WriteErrorAsync(context, StatusCodes.Status400BadRequest, error, cancellationToken);
}
