extern alias chatservice;

using chatservice::GoChatAi.ChatService.Infrastructure.ApiKeys;
using GoChatAi.Contracts.Auth.V1;
using GoChatAi.ServiceDefaults.Errors;
using GoChatAi.ServiceDefaults.Requests;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace GoChatAi.Tests.Unit;

/// <summary>
/// The ChatService's side of API keys: a key is exchanged once and its token kept, renewed before it is spent,
/// never used past the key's end, and a refused key is never kept.
/// </summary>
public sealed class ApiKeyExchangeTests : IAsyncLifetime
{
    private const string Key = "gca_0123456789012345678901234567890123456789012";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
    private readonly FakeAuthService _authService;
    private ConnectionMultiplexer _unusedRedis = null!;

    public ApiKeyExchangeTests() => _authService = new FakeAuthService(_time);

    // The throttle is not reached: calls here name no client address.
    public async Task InitializeAsync() =>
        _unusedRedis = await ConnectionMultiplexer.ConnectAsync("127.0.0.1:9,abortConnect=false,connectTimeout=200");

    public async Task DisposeAsync() => await _unusedRedis.DisposeAsync();

    [Fact]
    public async Task A_key_is_exchanged_once_for_many_requests_and_again_when_three_quarters_of_its_token_are_spent()
    {
        var exchange = Exchange();

        var first = await exchange.AccessTokenForAsync(Key, null, CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(11));
        var still = await exchange.AccessTokenForAsync(Key, null, CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(1));
        var renewed = await exchange.AccessTokenForAsync(Key, null, CancellationToken.None);

        Assert.Equal(first, still);
        Assert.NotEqual(first, renewed);
        Assert.Equal(2, _authService.Exchanges);
    }

    [Fact]
    public async Task Concurrent_first_requests_share_one_exchange()
    {
        var exchange = Exchange();
        _authService.Hold = new TaskCompletionSource();

        var waiting = Enumerable.Range(0, 5).Select(_ => exchange.AccessTokenForAsync(Key, null, CancellationToken.None)).ToList();
        _authService.Hold.SetResult();
        var tokens = await Task.WhenAll(waiting);

        Assert.Single(tokens.Distinct());
        Assert.Equal(1, _authService.Exchanges);
    }

    [Fact]
    public async Task A_key_that_ends_with_its_token_works_to_its_last_moment_and_not_after()
    {
        _authService.KeyExpiresAt = _time.GetUtcNow() + TimeSpan.FromMinutes(5);
        var exchange = Exchange();

        await exchange.AccessTokenForAsync(Key, null, CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromMilliseconds(1));
        await exchange.AccessTokenForAsync(Key, null, CancellationToken.None);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        var refused = await Assert.ThrowsAsync<ServiceException>(() => exchange.AccessTokenForAsync(Key, null, CancellationToken.None));

        Assert.Equal(ErrorKind.Unauthenticated, refused.Kind);
        Assert.Equal(2, _authService.Exchanges);
    }

    [Fact]
    public async Task A_refused_key_is_not_kept_and_an_auth_service_that_does_not_answer_is_a_dependency_failure()
    {
        var exchange = Exchange();
        _authService.Answer = StatusCode.Unauthenticated;
        var refused = await Assert.ThrowsAsync<ServiceException>(() => exchange.AccessTokenForAsync(Key, null, CancellationToken.None));
        _authService.Answer = StatusCode.Unavailable;
        var unavailable = await Assert.ThrowsAnyAsync<Exception>(() => exchange.AccessTokenForAsync(Key, null, CancellationToken.None));
        _authService.Answer = StatusCode.OK;
        await exchange.AccessTokenForAsync(Key, null, CancellationToken.None);

        Assert.Equal(ErrorKind.Unauthenticated, refused.Kind);
        Assert.Equal("AuthService", DependencyFailure.Of(unavailable));
        Assert.Equal(3, _authService.Exchanges);
    }

    private ApiKeyExchange Exchange() => new(_authService, new FailureCounter(_unusedRedis), Options.Create(new ApiKeyOptions()), _time,
        NullLogger<ApiKeyExchange>.Instance);

    /// <summary>The AuthService's ExchangeApiKey: 15-minute tokens for any key, or the status it is told to answer.</summary>
    private sealed class FakeAuthService(TimeProvider time) : ApiKeyService.ApiKeyServiceClient
    {
        public int Exchanges { get; private set; }

        public StatusCode Answer { get; set; } = StatusCode.OK;

        public DateTimeOffset? KeyExpiresAt { get; set; }

        public TaskCompletionSource? Hold { get; set; }

        public override AsyncUnaryCall<ExchangeApiKeyResponse> ExchangeApiKeyAsync(ExchangeApiKeyRequest request, CallOptions options)
        {
            Exchanges++;
            return new AsyncUnaryCall<ExchangeApiKeyResponse>(AnswerAsync(), Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => [], () => { });
        }

        private async Task<ExchangeApiKeyResponse> AnswerAsync()
        {
            if (Hold is not null)
            {
                await Hold.Task;
            }

            if (Answer != StatusCode.OK)
            {
                throw new RpcException(new Status(Answer, "no"));
            }

            var now = time.GetUtcNow();
            var keyExpires = KeyExpiresAt ?? now + TimeSpan.FromDays(90);
            var expires = now + TimeSpan.FromMinutes(15) < keyExpires ? now + TimeSpan.FromMinutes(15) : keyExpires;
            return new ExchangeApiKeyResponse
            {
                AccessToken = $"token-{Exchanges}",
                AccessTokenExpiresAt = Timestamp.FromDateTimeOffset(expires),
                ApiKeyExpiresAt = Timestamp.FromDateTimeOffset(keyExpires),
                ApiKeyId = Guid.NewGuid().ToString(),
            };
        }
    }
}
