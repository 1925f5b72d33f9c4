extern alias chatservice;

using System.Net;
using chatservice::GoChatAi.ChatService.Infrastructure.Redis;
using GoChatAi.Contracts.Chat.V1;
using GoChatAi.Tests.Infrastructure;
using Grpc.Core;
using StackExchange.Redis;

namespace GoChatAi.Tests.EndToEnd;

/// <summary>The daily token quota: a user who has spent it gets no new answer until 00:00 UTC.</summary>
[Collection(GoChatAiAppCollection.Name)]
public sealed class ChatQuotaTests(GoChatAiAppFixture fixture)
{
    [Fact]
    public async Task A_user_past_the_daily_token_quota_is_refused_new_answers_with_the_wait_until_midnight()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        var first = await user.Grpc.ChatWithAIAsync(new ChatWithAIRequest { Message = "spend a little [[devmodel: tokens=5]]" }, user.Options());
        var quota = (await user.Grpc.GetUsageAsync(new GetUsageRequest(), user.Options())).Quota;
        Assert.Equal(first.Usage.TotalTokens, quota.TokensUsed);

        // The rest of the day's 1,000,000 tokens is spent at once, as a long day of chatting would have: the stand-in
        // cannot be made to report that many, and a tiny quota for the whole collection would refuse every other
        // test's answers. The count is the one the service keeps in Redis and checks before every answer.
        var redis = await ConnectionMultiplexer.ConnectAsync(await fixture.App.GetConnectionStringAsync("cache") ?? "");
        await using (redis)
        {
            await redis.GetDatabase().StringIncrementAsync(UsageLimiter.TokensKey(user.UserId, DateTimeOffset.UtcNow), quota.TokensRemaining);
        }

        using var metrics = fixture.CreateRestClient("chatservice");
        var throttledBefore = await PrometheusScrape.ReadAsync(metrics, "gochatai_chat_throttled_requests_total", "limit=\"tokens_per_day\"");
        var storedBefore = await user.CountStoredAsync();

        var refused = await Assert.ThrowsAsync<RpcException>(() => user.Grpc.ChatWithAIAsync(
            new ChatWithAIRequest { ConversationId = first.ConversationId, Message = "one more please" }, user.Options()).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("quota", refused.Status.Detail, StringComparison.OrdinalIgnoreCase);
        var retryDelay = refused.GetRpcStatus()?.GetDetail<Google.Rpc.RetryInfo>()?.RetryDelay.ToTimeSpan();
        Assert.NotNull(retryDelay);
        Assert.InRange(retryDelay.Value, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1));

        using var rest = user.Rest();
        using var response = await rest.PostAsync("/v1/chat/ai/stream", RestJson.Json(new { message = "and over sse" }));
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.InRange(response.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1));

        // Nothing was written for the refused requests, the refusals were counted, and storing a message without
        // an answer (which costs no tokens) still works.
        Assert.Equal(storedBefore, await user.CountStoredAsync());
        Assert.Equal(2, await PrometheusScrape.ReadAsync(metrics, "gochatai_chat_throttled_requests_total", "limit=\"tokens_per_day\"") - throttledBefore);
        Assert.Equal(0, (await user.Grpc.GetUsageAsync(new GetUsageRequest(), user.Options())).Quota.TokensRemaining);
        await user.Grpc.SendMessageAsync(new SendMessageRequest { ConversationId = first.ConversationId, Content = "a note to self" }, user.Options());
    }
}
