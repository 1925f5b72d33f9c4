using System.Diagnostics;
using GoChatAi.Contracts.Chat.V1;
using GoChatAi.Tests.Infrastructure;
using Grpc.Core;

namespace GoChatAi.Tests.EndToEnd;

/// <summary>A ChatWithAI call is one trace, exported over OTLP, with the spans of every dependency it touched.</summary>
[Collection(GoChatAiAppCollection.Name)]
public sealed class ChatTracingTests(GoChatAiAppFixture fixture)
{
    [Fact]
    public async Task A_ChatWithAI_call_is_one_trace_with_grpc_database_cache_model_and_http_spans()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        // The caller starts the trace (as a browser or gateway would), so that the test knows its id.
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        var callerSpanId = ActivitySpanId.CreateRandom().ToHexString();
        var headers = new Metadata { { "traceparent", $"00-{traceId}-{callerSpanId}-01" } };
        foreach (var header in user.Headers)
        {
            headers.Add(header);
        }

        var response = await user.Grpc.ChatWithAIAsync(
            new ChatWithAIRequest { Message = "Trace me [[devmodel: tokens=4]]" }, new CallOptions(headers, DateTime.UtcNow + ChatUser.CallTimeout));
        Assert.Equal(FinishReason.Stop, response.FinishReason);

        // Spans leave in batches: wait (with a deadline) until every expected kind has arrived.
        using var deadline = new CancellationTokenSource(ChatUser.CallTimeout);
        IReadOnlyList<ReceivedSpan> spans;
        while (true)
        {
            spans = fixture.Traces.SpansOf(traceId);
            if (Missing(spans).Count == 0 || deadline.IsCancellationRequested)
            {
                break;
            }

            await Task.Delay(200, CancellationToken.None);
        }

        var listing = string.Join("\n", spans.Select(s => $"{s.Scope} | {s.Name} | {s.SpanId} <- {s.ParentSpanId}"));
        Assert.True(Missing(spans).Count == 0, $"missing: {string.Join(", ", Missing(spans))}\n{listing}");
        Assert.All(spans, s => Assert.Equal("chatservice", s.Service));

        // One tree: the server span hangs under the caller's, every other span under a span of the same trace.
        var server = Assert.Single(spans, s => s.ParentSpanId == callerSpanId);
        Assert.Equal("Microsoft.AspNetCore", server.Scope);
        Assert.Contains("ChatWithAI", server.Name, StringComparison.Ordinal);
        var ids = spans.Select(s => s.SpanId).ToHashSet();
        Assert.All(spans.Where(s => s != server), s => Assert.Contains(s.ParentSpanId, ids));

        // The model call follows the OpenTelemetry GenAI conventions: the model and the tokens of the answer.
        var model = spans.First(s => s.Scope == ModelScope && s.Attributes.GetValueOrDefault("gen_ai.usage.output_tokens") == "4");
        Assert.Equal("stand-in", model.Attributes["gen_ai.request.model"]);
        Assert.Equal(response.Usage.PromptTokens.ToString(System.Globalization.CultureInfo.InvariantCulture), model.Attributes["gen_ai.usage.input_tokens"]);
    }

    private const string ModelScope = "GoChatAi.ChatService.Model";

    /// <summary>The kinds of span a ChatWithAI trace must hold, less those that arrived.</summary>
    private static List<string> Missing(IReadOnlyList<ReceivedSpan> spans)
    {
        var expected = new (string What, Func<ReceivedSpan, bool> Matches)[]
        {
            ("the gRPC server span", s => s.Scope == "Microsoft.AspNetCore" && s.Name.Contains("ChatWithAI", StringComparison.Ordinal)),
            ("an EF Core/Npgsql span", s => s.Scope == "Npgsql"),
            ("a Redis span", s => s.Scope.Contains("StackExchangeRedis", StringComparison.Ordinal)),
            ("the GenAI model span", s => s.Scope == ModelScope && s.Attributes.ContainsKey("gen_ai.usage.output_tokens")),
            ("the HTTP call to the model", s => s.Scope == "System.Net.Http"
                && s.Attributes.GetValueOrDefault("url.full", "").Contains("/chat/completions", StringComparison.Ordinal)),
        };
        return [.. expected.Where(e => !spans.Any(e.Matches)).Select(e => e.What)];
    }
}
