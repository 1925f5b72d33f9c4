using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace GoChatAi.ChatService.Infrastructure.Model;

/// <summary>
/// The span and the metrics of a call to the model, in the OpenTelemetry GenAI conventions (the attributes and
/// instruments Microsoft.Extensions.AI's <see cref="OpenTelemetryChatClient"/> records, without message contents),
/// keeping nothing of the answer but what it reports. That client keeps every streamed update until the answer ends,
/// to rebuild the whole response for its span; with thousands of answers streaming at once those updates were the
/// largest share of the memory each stream held, and lived long enough to fill the GC's oldest generation.
/// </summary>
public sealed class ModelCallTelemetry(IChatClient inner, ModelCallInstruments instruments) : DelegatingChatClient(inner)
{
    private const string Chat = "chat";

    private readonly ChatClientMetadata? _metadata = inner.GetService<ChatClientMetadata>();

    public override async Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var call = Start(options, streaming: false);
        try
        {
            var response = await base.GetResponseAsync(messages, options, cancellationToken);
            call.Finish(response.ResponseId, response.ModelId, response.FinishReason, response.Usage, error: null);
            return response;
        }
        catch (Exception exception)
        {
            call.Finish(null, null, null, null, exception);
            throw;
        }
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var call = Start(options, streaming: true);
        string? responseId = null;
        string? modelId = null;
        ChatFinishReason? finish = null;
        UsageDetails? usage = null;
        Exception? error = null;
        IAsyncEnumerator<ChatResponseUpdate>? updates = null;
        try
        {
            while (true)
            {
                try
                {
                    updates ??= base.GetStreamingResponseAsync(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
                    if (!await updates.MoveNextAsync())
                    {
                        break;
                    }
                }
                catch (Exception exception)
                {
                    error = exception;
                    throw;
                }

                // What the span reports, taken as it passes: the update itself is not kept.
                var update = updates.Current;
                responseId ??= update.ResponseId;
                modelId ??= update.ModelId;
                finish = update.FinishReason ?? finish;
                foreach (var content in update.Contents)
                {
                    if (content is UsageContent { Details: var details })
                    {
                        usage = details;
                    }
                }

                yield return update;
            }
        }
        finally
        {
            call.Finish(responseId, modelId, finish, usage, error);
            if (updates is not null)
            {
                await updates.DisposeAsync();
            }
        }
    }

    private Call Start(ChatOptions? options, bool streaming)
    {
        var requestModel = options?.ModelId ?? _metadata?.DefaultModelId;
        var provider = _metadata?.ProviderName;
        var server = _metadata?.ProviderUri;
        var activity = instruments.Source.StartActivity(requestModel is null ? Chat : $"{Chat} {requestModel}", ActivityKind.Client);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("gen_ai.operation.name", Chat);
            activity.SetTag("gen_ai.request.model", requestModel);
            activity.SetTag("gen_ai.provider.name", provider);
            if (streaming)
            {
                activity.SetTag("gen_ai.request.stream", true);
            }

            if (server is not null)
            {
                activity.SetTag("server.address", server.Host);
                activity.SetTag("server.port", server.Port);
            }

            if (options?.MaxOutputTokens is int maxTokens)
            {
                activity.SetTag("gen_ai.request.max_tokens", maxTokens);
            }

            if (options?.Temperature is float temperature)
            {
                activity.SetTag("gen_ai.request.temperature", temperature);
            }
        }

        return new Call(instruments, activity, Stopwatch.GetTimestamp(), requestModel, provider, server);
    }

    /// <summary>One call under way: its span, when it began, and what its metrics are tagged with.</summary>
    private readonly record struct Call(ModelCallInstruments Instruments, Activity? Activity, long Started, string? RequestModel, string? Provider, Uri? Server)
    {
        public void Finish(string? responseId, string? responseModel, ChatFinishReason? finish, UsageDetails? usage, Exception? error)
        {
            if (Instruments.Duration.Enabled)
            {
                var tags = Tags(responseModel);
                if (error is not null)
                {
                    tags.Add("error.type", error.GetType().FullName);
                }

                Instruments.Duration.Record(Stopwatch.GetElapsedTime(Started).TotalSeconds, tags);
            }

            if (Instruments.TokenUsage.Enabled)
            {
                Record(usage?.InputTokenCount, "input", responseModel);
                Record(usage?.OutputTokenCount, "output", responseModel);
            }

            if (Activity is not { } activity)
            {
                return;
            }

            if (error is not null)
            {
                activity.SetTag("error.type", error.GetType().FullName);
                activity.SetStatus(ActivityStatusCode.Error, error.Message);
            }

            if (activity.IsAllDataRequested)
            {
                if (finish is { } reason)
                {
                    activity.SetTag("gen_ai.response.finish_reasons", $"[\"{reason.Value}\"]");
                }

                activity.SetTag("gen_ai.response.id", responseId);
                activity.SetTag("gen_ai.response.model", responseModel);
                activity.SetTag("gen_ai.usage.input_tokens", (int?)usage?.InputTokenCount);
                activity.SetTag("gen_ai.usage.output_tokens", (int?)usage?.OutputTokenCount);
            }

            activity.Dispose();
        }

        private void Record(long? tokens, string type, string? responseModel)
        {
            if (tokens is { } count)
            {
                var tags = Tags(responseModel);
                tags.Add("gen_ai.token.type", type);
                Instruments.TokenUsage.Record(count, tags);
            }
        }

        private TagList Tags(string? responseModel)
        {
            var tags = new TagList { { "gen_ai.operation.name", Chat }, { "gen_ai.provider.name", Provider } };
            if (RequestModel is not null)
            {
                tags.Add("gen_ai.request.model", RequestModel);
            }

            if (Server is not null)
            {
                tags.Add("server.address", Server.Host);
                tags.Add("server.port", Server.Port.ToString(CultureInfo.InvariantCulture));
            }

            if (responseModel is not null)
            {
                tags.Add("gen_ai.response.model", responseModel);
            }

            return tags;
        }
    }
}

/// <summary>The source of the model calls' spans and the GenAI client instruments (one set for every model).</summary>
public sealed class ModelCallInstruments : IDisposable
{
    public const string Name = "GoChatAi.ChatService.Model";

    public ModelCallInstruments(IMeterFactory meters)
    {
        var meter = meters.Create(Name);
        Duration = meter.CreateHistogram<double>("gen_ai.client.operation.duration", "s", "Duration of GenAI operations.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92] });
        TokenUsage = meter.CreateHistogram<long>("gen_ai.client.token.usage", "{token}", "Measures the number of input and output tokens used.",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1, 4, 16, 64, 256, 1_024, 4_096, 16_384, 65_536, 262_144, 1_048_576, 4_194_304, 16_777_216, 67_108_864] });
    }

    public ActivitySource Source { get; } = new(Name);

    public Histogram<double> Duration { get; }

    public Histogram<long> TokenUsage { get; }

    public void Dispose() => Source.Dispose();
}
