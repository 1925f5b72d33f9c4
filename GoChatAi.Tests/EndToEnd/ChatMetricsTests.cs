using GoChatAi.Contracts.Chat.V1;
using GoChatAi.Tests.Infrastructure;
using Grpc.Core;

namespace GoChatAi.Tests.EndToEnd;

/// <summary>The ChatService's business metrics (meter GoChatAi.Chat) on /metrics move when the service acts.</summary>
[Collection(GoChatAiAppCollection.Name)]
public sealed class ChatMetricsTests(GoChatAiAppFixture fixture)
{
    // The small stand-in model with an answer cut at max_tokens: a series no other test touches, so the
    // differences below are this test's own.
    private const string Model = "model=\"stand-in-small\"";

    [Fact]
    public async Task A_ChatWithAI_call_counts_messages_the_answer_its_tokens_and_its_durations()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        using var metrics = fixture.CreateRestClient("chatservice");
        var before = await ReadAllAsync(metrics);

        var response = await user.Grpc.ChatWithAIAsync(
            new ChatWithAIRequest { Message = "Count me [[devmodel: tokens=50]]", Model = "stand-in-small", MaxTokens = 5 }, user.Options());
        var after = await ReadAllAsync(metrics);

        Assert.Equal(FinishReason.Length, response.FinishReason);
        Assert.Equal(1, after.UserMessages - before.UserMessages);
        Assert.Equal(1, after.AssistantMessages - before.AssistantMessages);
        Assert.Equal(1, after.Answers - before.Answers);
        Assert.Equal(response.Usage.PromptTokens, after.PromptTokens - before.PromptTokens);
        Assert.Equal(5, after.CompletionTokens - before.CompletionTokens);
        Assert.Equal(1, after.FirstTokenCount - before.FirstTokenCount);
        Assert.Equal(1, after.DurationCount - before.DurationCount);
        Assert.True(after.DurationSum > before.DurationSum);

        // The histograms have buckets made for seconds, not the milliseconds of OpenTelemetry's defaults.
        var text = await metrics.GetStringAsync("/metrics");
        Assert.Contains("# TYPE gochatai_chat_time_to_first_token_seconds histogram", text, StringComparison.Ordinal);
        Assert.Contains("le=\"0.05\"", text.Split('\n').First(l => l.StartsWith("gochatai_chat_answer_duration_seconds_bucket{", StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_request_past_the_per_minute_limit_counts_as_throttled_by_that_limit()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        using var metrics = fixture.CreateRestClient("chatservice");
        var before = await PrometheusScrape.ReadAsync(metrics, "gochatai_chat_throttled_requests_total", "limit=\"requests_per_minute\"");
        var sendBefore = await PrometheusScrape.ReadAsync(metrics, "gochatai_chat_messages_total", "role=\"user\"");
        var conversation = await user.CreateConversationAsync("throttled");

        // 60 a minute by default; the creation above was the first. The window is a clock minute, so a run that
        // crosses one may need a few more before it is refused.
        RpcException? refused = null;
        for (var i = 0; i < 130 && refused is null; i++)
        {
            try
            {
                await user.Grpc.SendMessageAsync(new SendMessageRequest { ConversationId = conversation.Id, Content = $"message {i}" }, user.Options());
            }
            catch (RpcException exception) when (exception.StatusCode == StatusCode.ResourceExhausted)
            {
                refused = exception;
            }
        }

        Assert.NotNull(refused);
        Assert.Equal(1, await PrometheusScrape.ReadAsync(metrics, "gochatai_chat_throttled_requests_total", "limit=\"requests_per_minute\"") - before);
        var stored = (await user.Grpc.GetConversationAsync(new GetConversationRequest { ConversationId = conversation.Id }, user.Options())).MessageCount;
        Assert.Equal(stored, await PrometheusScrape.ReadAsync(metrics, "gochatai_chat_messages_total", "role=\"user\"") - sendBefore);
    }

    private sealed record Snapshot(
        double UserMessages,
        double AssistantMessages,
        double Answers,
        double PromptTokens,
        double CompletionTokens,
        double FirstTokenCount,
        double DurationCount,
        double DurationSum);

    private static async Task<Snapshot> ReadAllAsync(HttpClient metrics) => new(
        await PrometheusScrape.ReadAsync(metrics, "gochatai_chat_messages_total", "role=\"user\""),
        await PrometheusScrape.ReadAsync(metrics, "gochatai_chat_messages_total", "role=\"assistant\""),
        await PrometheusScrape.ReadAsync(metrics, "gochatai_chat_answers_total", Model, "finish_reason=\"length\""),
        await PrometheusScrape.ReadAsync(metrics, "gochatai_chat_tokens_total", Model, "kind=\"prompt\""),
        await PrometheusScrape.ReadAsync(metrics, "gochatai_chat_tokens_total", Model, "kind=\"completion\""),
        await PrometheusScrape.ReadAsync(metrics, "gochatai_chat_time_to_first_token_seconds_count", Model),
        await PrometheusScrape.ReadAsync(metrics, "gochatai_chat_answer_duration_seconds_count", Model, "finish_reason=\"length\""),
        await PrometheusScrape.ReadAsync(metrics, "gochatai_chat_answer_duration_seconds_sum", Model, "finish_reason=\"length\""));
}
