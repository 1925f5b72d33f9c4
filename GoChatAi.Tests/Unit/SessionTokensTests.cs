using System.Collections.Concurrent;
using System.Security.Claims;
using GoChatAi.Contracts.Auth.V1;
using GoChatAi.Web.Sessions;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.Time.Testing;

namespace GoChatAi.Tests.Unit;

/// <summary>The access token a page calls with: renewed before it runs out, once per session however many pages ask.</summary>
public sealed class SessionTokensTests
{
    private const string SessionId = "session-1";
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(Now);
    private readonly FakeSessionStore _store = new();
    private readonly FakeAuthService _auth = new();

    [Fact]
    public async Task A_token_with_more_than_a_minute_left_is_used_as_it_is()
    {
        _store.Sessions[SessionId] = Session("access-1", "refresh-1", expiresIn: TimeSpan.FromMinutes(15));
        var tokens = Tokens();

        Assert.Equal("access-1", await tokens.GetAccessTokenAsync(CancellationToken.None));
        _time.Advance(TimeSpan.FromMinutes(13));
        Assert.Equal("access-1", await tokens.GetAccessTokenAsync(CancellationToken.None));
        Assert.Empty(_auth.Refreshed);
    }

    [Fact]
    public async Task A_token_within_a_minute_of_its_end_is_renewed_and_the_new_pair_kept()
    {
        _store.Sessions[SessionId] = Session("access-1", "refresh-1", expiresIn: TimeSpan.FromMinutes(15));
        var tokens = Tokens();
        await tokens.GetAccessTokenAsync(CancellationToken.None);

        _time.Advance(TimeSpan.FromMinutes(14) + TimeSpan.FromSeconds(1));

        Assert.Equal("access-2", await tokens.GetAccessTokenAsync(CancellationToken.None));
        Assert.Equal(["refresh-1"], _auth.Refreshed);
        Assert.Equal(("access-2", "refresh-2"), (_store.Sessions[SessionId].AccessToken, _store.Sessions[SessionId].RefreshToken));
    }

    [Fact]
    public async Task Two_pages_of_one_session_renewing_at_once_spend_the_refresh_token_once()
    {
        _store.Sessions[SessionId] = Session("access-1", "refresh-1", expiresIn: TimeSpan.FromSeconds(30));
        _auth.Delay = TimeSpan.FromMilliseconds(50);

        var renewed = await Task.WhenAll(Tokens().GetAccessTokenAsync(CancellationToken.None), Tokens().GetAccessTokenAsync(CancellationToken.None));

        Assert.Equal(["access-2", "access-2"], renewed);
        Assert.Equal(["refresh-1"], _auth.Refreshed);
    }

    [Fact]
    public async Task A_refused_renewal_ends_the_session_here_too()
    {
        _store.Sessions[SessionId] = Session("access-1", "refresh-1", expiresIn: TimeSpan.FromSeconds(30));
        _auth.Refuse = true;

        await Assert.ThrowsAsync<SessionEndedException>(() => Tokens().GetAccessTokenAsync(CancellationToken.None));
        Assert.False(_store.Sessions.ContainsKey(SessionId));
    }

    [Fact]
    public async Task A_session_that_is_gone_or_a_browser_without_one_must_sign_in()
    {
        await Assert.ThrowsAsync<SessionEndedException>(() => Tokens().GetAccessTokenAsync(CancellationToken.None));
        await Assert.ThrowsAsync<SessionEndedException>(() => Tokens(sessionId: null).GetAccessTokenAsync(CancellationToken.None));
        Assert.Empty(_auth.Refreshed);
    }

    private SessionTokens Tokens(string? sessionId = SessionId) =>
        new(new SignedIn(sessionId), _store, _auth, _time);

    private WebSession Session(string access, string refresh, TimeSpan expiresIn) =>
        new(access, _time.GetUtcNow() + expiresIn, refresh, _time.GetUtcNow() + TimeSpan.FromDays(30));

    private sealed class SignedIn(string? sessionId) : AuthenticationStateProvider
    {
        public override Task<AuthenticationState> GetAuthenticationStateAsync() =>
            Task.FromResult(new AuthenticationState(new ClaimsPrincipal(sessionId is null
                ? new ClaimsIdentity()
                : new ClaimsIdentity([new Claim(WebSessionClaims.SessionId, sessionId)], "test"))));
    }

    private sealed class FakeSessionStore : IWebSessionStore
    {
        public ConcurrentDictionary<string, WebSession> Sessions { get; } = new();

        public Task<string> CreateAsync(WebSession session) => throw new NotSupportedException();

        public Task<WebSession?> FindAsync(string id) => Task.FromResult(Sessions.GetValueOrDefault(id));

        public Task SaveAsync(string id, WebSession session)
        {
            Sessions[id] = session;
            return Task.CompletedTask;
        }

        public Task DeleteAsync(string id)
        {
            Sessions.TryRemove(id, out _);
            return Task.CompletedTask;
        }
    }

    /// <summary>The AuthService's RefreshToken: rotates the pair (refresh-N becomes access-N+1, refresh-N+1), or refuses.</summary>
    private sealed class FakeAuthService : Contracts.Auth.V1.AuthService.AuthServiceClient
    {
        public ConcurrentQueue<string> Refreshed { get; } = new();

        public TimeSpan Delay { get; set; }

        public bool Refuse { get; set; }

        public override AsyncUnaryCall<RefreshTokenResponse> RefreshTokenAsync(RefreshTokenRequest request, CallOptions options)
        {
            Refreshed.Enqueue(request.RefreshToken);
            return new AsyncUnaryCall<RefreshTokenResponse>(RotateAsync(request.RefreshToken), Task.FromResult(new Metadata()),
                () => Status.DefaultSuccess, () => [], () => { });
        }

        private async Task<RefreshTokenResponse> RotateAsync(string refreshToken)
        {
            await Task.Delay(Delay);
            if (Refuse)
            {
                throw new RpcException(new Status(StatusCode.Unauthenticated, "The refresh token is not valid."));
            }

            var next = int.Parse(refreshToken["refresh-".Length..], System.Globalization.CultureInfo.InvariantCulture) + 1;
            return new RefreshTokenResponse
            {
                Tokens = new TokenPair
                {
                    AccessToken = $"access-{next}",
                    RefreshToken = $"refresh-{next}",
                    AccessTokenExpiresAt = Timestamp.FromDateTimeOffset(Now.AddHours(1)),
                    RefreshTokenExpiresAt = Timestamp.FromDateTimeOffset(Now.AddDays(30)),
                },
            };
        }
    }
}
