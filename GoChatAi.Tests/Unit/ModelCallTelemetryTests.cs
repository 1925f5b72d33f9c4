extern alias chatservice;

using System.Diagnostics;
using System.Runtime.CompilerServices;
using chatservice::GoChatAi.ChatService.Infrastructure.Model;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace GoChatAi.Tests.Unit;

/// <summary>The model call's GenAI span, and what the telemetry keeps of a streamed answer: nothing.</summary>
public sealed class ModelCallTelemetryTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().AddSingleton<ModelCallInstruments>().BuildServiceProvider();
    private readonly List<Activity> _spans = [];
    private readonly ActivityListener _listener;

    public ModelCallTelemetryTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ModelCallInstruments.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = span => { lock (_spans) { _spans.Add(span); } },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    [Fact]
    public async Task A_streamed_answer_passes_through_whole_and_its_span_has_the_model_the_finish_and_the_tokens()
    {
        var requestModel = $"model-{Guid.NewGuid():N}";
        using var client = new ModelCallTelemetry(new StreamingModel(["Once", " upon", " a time"]), Instruments);

        var text = "";
        await foreach (var update in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Tell me")], new ChatOptions { ModelId = requestModel, MaxOutputTokens = 64 }))
        {
            text += update.Text;
        }

        Assert.Equal("Once upon a time", text);
        var span = Assert.Single(SpansOf(requestModel));
        Assert.Equal($"chat {requestModel}", span.DisplayName);
        Assert.Equal(ActivityKind.Client, span.Kind);
        Assert.Equal("chat", span.GetTagItem("gen_ai.operation.name"));
        Assert.Equal("stand-in", span.GetTagItem("gen_ai.provider.name"));
        Assert.Equal(64, span.GetTagItem("gen_ai.request.max_tokens"));
        Assert.Equal("served-model", span.GetTagItem("gen_ai.response.model"));
        Assert.Equal("response-1", span.GetTagItem("gen_ai.response.id"));
        Assert.Equal("[\"stop\"]", span.GetTagItem("gen_ai.response.finish_reasons"));
        Assert.Equal(7, span.GetTagItem("gen_ai.usage.input_tokens"));
        Assert.Equal(3, span.GetTagItem("gen_ai.usage.output_tokens"));
        Assert.Equal(ActivityStatusCode.Unset, span.Status);
    }

    [Fact]
    public async Task The_updates_already_read_are_not_kept_while_the_answer_streams()
    {
        var pieces = Enumerable.Range(1, 10).Select(i => $" piece {i}").ToList();
        using var client = new ModelCallTelemetry(new StreamingModel(pieces), Instruments);
        var read = new List<WeakReference<ChatResponseUpdate>>();
        await foreach (var update in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Tell me")]))
        {
            read.Add(new WeakReference<ChatResponseUpdate>(update));
            if (read.Count == pieces.Count)
            {
                // The earlier updates are the caller's to drop: nothing under it holds them (Microsoft.Extensions.AI's
                // telemetry client keeps every one until the answer ends). A debug build may keep one or two in a
                // stack slot a little longer, hence the margin.
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
                Assert.InRange(read.Take(pieces.Count - 2).Count(r => r.TryGetTarget(out _)), 0, 2);
            }
        }

        Assert.Equal(pieces.Count + 1, read.Count);
    }

    [Fact]
    public async Task A_failed_call_ends_its_span_as_an_error()
    {
        var requestModel = $"model-{Guid.NewGuid():N}";
        using var client = new ModelCallTelemetry(new StreamingModel(["Once"], fails: true), Instruments);

        await Assert.ThrowsAsync<HttpRequestException>(async () =>
        {
            await foreach (var _ in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Tell me")], new ChatOptions { ModelId = requestModel }))
            {
            }
        });

        var span = Assert.Single(SpansOf(requestModel));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal(typeof(HttpRequestException).FullName, span.GetTagItem("error.type"));
    }

    private ModelCallInstruments Instruments => _services.GetRequiredService<ModelCallInstruments>();

    private List<Activity> SpansOf(string requestModel)
    {
        lock (_spans)
        {
            return [.. _spans.Where(s => (string?)s.GetTagItem("gen_ai.request.model") == requestModel)];
        }
    }

    public void Dispose()
    {
        _listener.Dispose();
        _services.Dispose();
    }

    /// <summary>Streams its pieces, then the finish and the usage as an OpenAI-compatible server does (or fails instead); keeps nothing.</summary>
    private sealed class StreamingModel(IReadOnlyList<string> pieces, bool fails = false) : IChatClient
    {
        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
            IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            foreach (var piece in pieces)
            {
                await Task.Yield();
                yield return new ChatResponseUpdate(ChatRole.Assistant, [new TextContent(piece) { RawRepresentation = new byte[1024] }])
                {
                    ResponseId = "response-1",
                    ModelId = "served-model",
                };
            }

            if (fails)
            {
                throw new HttpRequestException("The connection was reset.");
            }

            yield return new ChatResponseUpdate(ChatRole.Assistant, [new UsageContent(new UsageDetails { InputTokenCount = 7, OutputTokenCount = 3 })])
            {
                FinishReason = ChatFinishReason.Stop,
            };
        }

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) =>
            serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("stand-in", new Uri("http://localhost:8090/v1"), "served-model") : null;

        public void Dispose()
        {
        }
    }
}
