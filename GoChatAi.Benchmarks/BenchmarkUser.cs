using GoChatAi.Contracts.Auth.V1;
using Grpc.Core;
using AuthServiceClient = GoChatAi.Contracts.Auth.V1.AuthService.AuthServiceClient;

namespace GoChatAi.Benchmarks;

/// <summary>
/// A user the benchmark signs up, with an access token that it refreshes before it runs out: access tokens live
/// 15 minutes by default, and filling a long conversation can take longer than that.
/// </summary>
public sealed class BenchmarkUser
{
    public const string Password = "a benchmark password, long enough";

    // Refreshed this long before expiry, so that no call in flight meets an expired token.
    private static readonly TimeSpan _refreshMargin = TimeSpan.FromMinutes(3);

    private readonly AuthServiceClient _auth;
    private readonly Lock _gate = new();
    private Task<Session> _session;

    private BenchmarkUser(AuthServiceClient auth, TokenPair tokens, string email)
    {
        _auth = auth;
        Email = email;
        _session = Task.FromResult(new Session(tokens));
    }

    /// <summary>The account's address; its password is <see cref="Password"/>.</summary>
    public string Email { get; }

    public static async Task<BenchmarkUser> SignUpAsync(AuthServiceClient auth, CancellationToken cancellationToken)
    {
        var response = await auth.SignUpAsync(new SignUpRequest
        {
            Name = "Benchmark",
            Email = $"bench-{Guid.NewGuid():N}@bench.gochatai.local",
            Password = Password,
        }, cancellationToken: cancellationToken);
        return new BenchmarkUser(auth, response.Tokens, response.User.Email);
    }

    /// <summary>Signs up <paramref name="count"/> users, a few at a time: each sign-up is a deliberately slow password hash.</summary>
    public static async Task<IReadOnlyList<BenchmarkUser>> SignUpManyAsync(AuthServiceClient auth, int count, CancellationToken cancellationToken)
    {
        var users = new BenchmarkUser[count];
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken },
            async (i, ct) => users[i] = await SignUpAsync(auth, ct));
        return users;
    }

    /// <summary>The <c>authorization</c> header with a token that has a few minutes left at least.</summary>
    public async Task<Metadata> HeadersAsync()
    {
        var current = _session;
        if (!current.IsCompletedSuccessfully || current.Result.RefreshAt > DateTimeOffset.UtcNow)
        {
            return (await current).Headers;
        }

        lock (_gate)
        {
            // One refresh at a time: presenting a spent refresh token again would revoke the whole session.
            if (_session == current)
            {
                _session = RefreshAsync(current.Result);
            }

            current = _session;
        }

        return (await current).Headers;
    }

    private async Task<Session> RefreshAsync(Session old)
    {
        var response = await _auth.RefreshTokenAsync(new RefreshTokenRequest { RefreshToken = old.Tokens.RefreshToken });
        return new Session(response.Tokens);
    }

    private sealed class Session(TokenPair tokens)
    {
        public TokenPair Tokens { get; } = tokens;

        public Metadata Headers { get; } = new() { { "authorization", $"Bearer {tokens.AccessToken}" } };

        public DateTimeOffset RefreshAt { get; } =
            (tokens.AccessTokenExpiresAt?.ToDateTimeOffset() ?? DateTimeOffset.UtcNow.AddSeconds(tokens.ExpiresIn)) - _refreshMargin;
    }
}
