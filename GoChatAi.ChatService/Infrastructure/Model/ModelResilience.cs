using System.Net;
using GoChatAi.ChatService.Application;
using Microsoft.Extensions.Http.Resilience;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;

namespace GoChatAi.ChatService.Infrastructure.Model;

/// <summary>
/// How calls to the model provider survive its hiccups: retries with backoff on 408, 429 and 5xx that honour
/// <c>retry-after-ms</c> / <c>Retry-After</c>, but never on <c>insufficient_quota</c> (a 429 that waiting does not
/// cure); and a circuit breaker, so that a provider that is down fails calls at once instead of piling them up.
/// The SDK's own retries are off, so that this is the one policy.
/// </summary>
internal static class ModelResilience
{
    public static void Configure(ResiliencePipelineBuilder<HttpResponseMessage> pipeline, ModelOptions options)
    {
        pipeline.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
        {
            MaxRetryAttempts = Math.Max(options.MaxRetries, 1),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(500),
            ShouldHandle = async args => options.MaxRetries > 0 && args.Outcome switch
            {
                { Exception: HttpRequestException } => true,
                { Result: { } response } => await IsTransientAsync(response, options.MaxRetryDelay),
                _ => false,
            },
            DelayGenerator = args => ValueTask.FromResult(args.Outcome.Result is { } response ? ProviderResponses.RetryAfter(response, DateTimeOffset.UtcNow) : null),
        });

        pipeline.AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpResponseMessage>
        {
            FailureRatio = 0.5,
            MinimumThroughput = 10,
            SamplingDuration = TimeSpan.FromSeconds(30),
            BreakDuration = TimeSpan.FromSeconds(15),
            ShouldHandle = args => ValueTask.FromResult(args.Outcome switch
            {
                { Exception: HttpRequestException } => true,
                { Result: { } response } => (int)response.StatusCode >= 500,
                _ => false,
            }),
        });
    }

    private static async ValueTask<bool> IsTransientAsync(HttpResponseMessage response, TimeSpan maxRetryDelay)
    {
        var status = (int)response.StatusCode;
        if (status is 408 or 500 or 502 or 503 or 504)
        {
            return true;
        }

        if (response.StatusCode != HttpStatusCode.TooManyRequests || ProviderResponses.RetryAfter(response, DateTimeOffset.UtcNow) > maxRetryDelay)
        {
            return false;
        }

        // Error bodies are small; reading one buffers it, so the SDK still reads it after us.
        return !ProviderResponses.IsQuotaExhausted(ProviderResponses.ReadError(await response.Content.ReadAsByteArrayAsync()));
    }
}
