using System.Diagnostics.Metrics;
using GoChatAi.AuthService.Application;
using GoChatAi.AuthService.Domain;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace GoChatAi.Tests.Unit;

/// <summary>The AuthService's use cases over in-memory fakes of the interfaces they own, on a clock the test moves.</summary>
internal sealed class AuthFakes
{
    public static readonly DateTimeOffset Start = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    public FakeTimeProvider Time { get; } = new(Start);

    public AuthOptions Options { get; } = new() { RefreshRaceWindow = TimeSpan.FromSeconds(5) };

    public FakeUserStore Users { get; } = new();

    public FakeSessionStore Sessions { get; } = new();

    public FakeUnitOfWork Changes { get; } = new();

    public FakeAccessTokenIssuer AccessTokens { get; }

    public FakeRevocationRecorder Revocations { get; } = new();

    public FakeSecurityEventLog SecurityEvents { get; } = new();

    public FakePasswordHasher Passwords { get; } = new();

    public FakeSignInThrottle Throttle { get; } = new();

    public FakeApiKeyStore ApiKeys { get; } = new();

    public AuthFakes() => AccessTokens = new FakeAccessTokenIssuer(Time, Revocations);

    public ApiKeyService ApiKeyService() => new(ApiKeys, Changes, AccessTokens, Revocations, SecurityEvents,
        Microsoft.Extensions.Options.Options.Create(Options), Time);

    public SessionService SessionService() => new(Users, Sessions, Changes, AccessTokens, Revocations, SecurityEvents,
        new AuthMetrics(new TestMeterFactory()), Microsoft.Extensions.Options.Options.Create(Options), Time);

    public AccountService AccountService() => new(Users, Changes, Passwords, new PasswordPolicy(15, 128, _ => false), Throttle,
        SessionService(), Revocations, SecurityEvents, new AuthMetrics(new TestMeterFactory()), Time);

    /// <summary>A stored user whose password is <paramref name="password"/>.</summary>
    public User AddUser(string email = "ann@example.com", string password = "a long enough password")
    {
        var user = User.Create(EmailAddress.Parse(email), "Ann", FakePasswordHasher.HashOf(password), Time.GetUtcNow());
        Users.Add(user);
        return user;
    }

    /// <summary>A stored user signed in twice: in the session at hand, and in another one elsewhere.</summary>
    public async Task<(User User, TokenPair Here, TokenPair Elsewhere)> UserWithTwoSessionsAsync()
    {
        var user = AddUser();
        var sessions = SessionService();
        return (user, await sessions.StartAsync(user, CancellationToken.None), await sessions.StartAsync(user, CancellationToken.None));
    }

    /// <summary>Who calls with the access token of <paramref name="tokens"/>.</summary>
    public Caller CallerOf(User user, TokenPair tokens) =>
        new(user.Id, user.IsAdmin, AccessTokens.SessionOf(tokens.Access.Token), tokens.Access.TokenId, tokens.Access.ExpiresAt);
}

internal sealed class TestMeterFactory : IMeterFactory
{
    public Meter Create(MeterOptions options) => new(options);

    public void Dispose()
    {
    }
}

internal sealed class FakeUserStore : IUserStore
{
    public List<User> All { get; } = [];

    public Task<bool> ExistsAsync(string normalizedEmail, CancellationToken cancellationToken) =>
        Task.FromResult(All.Any(u => u.NormalizedEmail == normalizedEmail));

    public Task<User?> FindByEmailAsync(string normalizedEmail, CancellationToken cancellationToken) =>
        Task.FromResult(All.SingleOrDefault(u => u.NormalizedEmail == normalizedEmail));

    public Task<User?> FindAsync(Guid id, CancellationToken cancellationToken) => Task.FromResult(All.SingleOrDefault(u => u.Id == id));

    public Task<User?> ReadAsync(Guid id, CancellationToken cancellationToken) => FindAsync(id, cancellationToken);

    public Task<(IReadOnlyList<User> Users, int TotalCount)> ListAsync(int page, int limit, CancellationToken cancellationToken) =>
        Task.FromResult<(IReadOnlyList<User>, int)>((All.OrderBy(u => u.CreatedAt).Skip((page - 1) * limit).Take(limit).ToList(), All.Count));

    public void Add(User user) => All.Add(user);

    public void Remove(User user) => All.Remove(user);
}

internal sealed class FakeSessionStore : ISessionStore
{
    public List<RefreshTokenFamily> Families { get; } = [];

    public List<RefreshToken> Tokens { get; } = [];

    public void Add(RefreshTokenFamily family) => Families.Add(family);

    public void Add(RefreshToken token) => Tokens.Add(token);

    public Task<RefreshToken?> FindTokenAsync(byte[] tokenHash, CancellationToken cancellationToken) =>
        Task.FromResult(Tokens.SingleOrDefault(t => t.TokenHash.SequenceEqual(tokenHash)));

    public Task<RefreshTokenFamily?> FindAsync(Guid id, CancellationToken cancellationToken) =>
        Task.FromResult(Families.SingleOrDefault(f => f.Id == id));

    public Task<bool> TryMarkUsedAsync(Guid tokenId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var token = Tokens.Single(t => t.Id == tokenId);
        if (token.UsedAt is not null)
        {
            return Task.FromResult(false);
        }

        token.Use(now);
        return Task.FromResult(true);
    }

    public Task<DateTimeOffset?> FindFirstUseAsync(Guid tokenId, CancellationToken cancellationToken) =>
        Task.FromResult(Tokens.Single(t => t.Id == tokenId).UsedAt);

    public Task<IReadOnlyList<RefreshTokenFamily>> ListUnrevokedAsync(Guid userId, Guid? except, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<RefreshTokenFamily>>(Families.Where(f => f.UserId == userId && f.RevokedAt is null && f.Id != except).ToList());

    public Task<IReadOnlyList<RefreshTokenFamily>> ListUnrevokedAsync(Guid userId, Guid? sessionId, byte[]? tokenHash, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<RefreshTokenFamily>>(Families
            .Where(f => f.UserId == userId && f.RevokedAt is null && (f.Id == sessionId || (tokenHash is not null && Holds(f, tokenHash))))
            .ToList());

    public Task<RefreshTokenFamily?> FindUnrevokedByTokenAsync(byte[] tokenHash, CancellationToken cancellationToken) =>
        Task.FromResult(Families.SingleOrDefault(f => f.RevokedAt is null && Holds(f, tokenHash)));

    private bool Holds(RefreshTokenFamily family, byte[] tokenHash) =>
        Tokens.Any(t => t.FamilyId == family.Id && t.TokenHash.SequenceEqual(tokenHash));
}

internal sealed class FakeApiKeyStore : IApiKeyStore
{
    public List<ApiKey> All { get; } = [];

    public void Add(ApiKey key) => All.Add(key);

    public Task<ApiKey?> FindBySecretHashAsync(byte[] secretHash, CancellationToken cancellationToken) =>
        Task.FromResult(All.SingleOrDefault(k => k.SecretHash.SequenceEqual(secretHash)));

    public Task<ApiKey?> FindUsableAsync(Guid userId, Guid keyId, DateTimeOffset now, CancellationToken cancellationToken) =>
        Task.FromResult(All.SingleOrDefault(k => k.UserId == userId && k.Id == keyId && k.IsUsable(now)));

    public Task<IReadOnlyList<ApiKey>> ListUsableAsync(Guid userId, DateTimeOffset now, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ApiKey>>(All.Where(k => k.UserId == userId && k.IsUsable(now)).OrderByDescending(k => k.CreatedAt).ToList());

    public Task<int> CountUsableAsync(Guid userId, DateTimeOffset now, CancellationToken cancellationToken) =>
        Task.FromResult(All.Count(k => k.UserId == userId && k.IsUsable(now)));

    public Dictionary<Guid, DateTimeOffset> UsedAt { get; } = [];

    public Task MarkUsedAsync(Guid keyId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        UsedAt[keyId] = now;
        return Task.CompletedTask;
    }
}

internal sealed class FakeUnitOfWork : IUnitOfWork
{
    public int Saves { get; private set; }

    /// <summary>Makes the next save fail as a lost race for a unique key does.</summary>
    public bool FailNextWithDuplicateKey { get; set; }

    public Task SaveChangesAsync(CancellationToken cancellationToken)
    {
        if (FailNextWithDuplicateKey)
        {
            FailNextWithDuplicateKey = false;
            throw new DuplicateKeyException("taken", new InvalidOperationException());
        }

        Saves++;
        return Task.CompletedTask;
    }
}

/// <summary>Tokens kept in a table; those whose revocation was published read as null, as revoked JWTs do.</summary>
internal sealed class FakeAccessTokenIssuer(TimeProvider timeProvider, FakeRevocationRecorder revocations) : IAccessTokenIssuer
{
    private readonly Dictionary<string, AccessTokenInfo> _issued = [];

    public Task<IssuedAccessToken> IssueAsync(User user, Guid sessionId, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var tokenId = Guid.NewGuid().ToString("N");
        var token = $"access.{tokenId}";
        _issued[token] = new AccessTokenInfo(user.Id, tokenId, sessionId, user.Roles, now, now + TimeSpan.FromMinutes(15));
        return Task.FromResult(new IssuedAccessToken(token, tokenId, now, now + TimeSpan.FromMinutes(15)));
    }

    public Task<IssuedAccessToken> IssueForApiKeyAsync(ApiKey key, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var expires = now + TimeSpan.FromMinutes(15) < key.ExpiresAt ? now + TimeSpan.FromMinutes(15) : key.ExpiresAt;
        var tokenId = Guid.NewGuid().ToString("N");
        var token = $"access.{tokenId}";
        _issued[token] = new AccessTokenInfo(key.UserId, tokenId, key.Id, [Roles.User], now, expires);
        return Task.FromResult(new IssuedAccessToken(token, tokenId, now, expires));
    }

    public Task<AccessTokenInfo?> ReadAsync(string token, CancellationToken cancellationToken) =>
        Task.FromResult(_issued.GetValueOrDefault(token) is { } info &&
            !revocations.Published.Intersect(["jti:" + info.TokenId, "sid:" + info.SessionId, "sub:" + info.UserId]).Any() ? info : null);

    public Task<AccessTokenInfo?> ReadSignedAsync(string token, CancellationToken cancellationToken) =>
        Task.FromResult(_issued.GetValueOrDefault(token));

    public Guid SessionOf(string token) => _issued[token].SessionId!.Value;
}

internal sealed class FakeRevocationRecorder : IRevocationRecorder
{
    private readonly List<string> _pending = [];

    public List<string> Published { get; } = [];

    public void RevokeToken(string tokenId, DateTimeOffset expiresAt) => _pending.Add("jti:" + tokenId);

    public void RevokeSession(Guid sessionId) => _pending.Add("sid:" + sessionId);

    public void RecordUserDeleted(Guid userId) => _pending.Add("sub:" + userId);

    public Task PublishAsync()
    {
        Published.AddRange(_pending);
        _pending.Clear();
        return Task.CompletedTask;
    }
}

internal sealed class FakeSecurityEventLog : ISecurityEventLog
{
    public List<(string Type, Guid? UserId, string? Detail)> Events { get; } = [];

    public void Add(string type, Guid? userId, string? clientAddress, string? detail = null) => Events.Add((type, userId, detail));

    public Task RecordAsync(string type, Guid? userId, string? clientAddress, CancellationToken cancellationToken, string? detail = null)
    {
        Add(type, userId, clientAddress, detail);
        return Task.CompletedTask;
    }

    public IEnumerable<string> Types => Events.Select(e => e.Type);
}

/// <summary>A "hash" anyone can read; a hash of an old cost is prefixed "old:" and asks for a rehash.</summary>
internal sealed class FakePasswordHasher : IPasswordHasher
{
    public int NothingVerified { get; private set; }

    public static string HashOf(string password) => "hash:" + password;

    public Task<string> HashAsync(string password, CancellationToken cancellationToken) => Task.FromResult(HashOf(password));

    public Task<(bool Matches, bool NeedsRehash)> VerifyAsync(string hash, string password, CancellationToken cancellationToken) =>
        Task.FromResult(hash == HashOf(password) ? (true, false) : hash == "old:" + password ? (true, true) : (false, false));

    public Task VerifyNothingAsync(string password, CancellationToken cancellationToken)
    {
        NothingVerified++;
        return Task.CompletedTask;
    }
}

/// <summary>Throttles an account after <see cref="MaxFailures"/> failures, with no window: the throttle's own tests cover time.</summary>
internal sealed class FakeSignInThrottle : ISignInThrottle
{
    public const int MaxFailures = 3;

    public Dictionary<string, int> Failures { get; } = [];

    public Task<TimeSpan?> RetryAfterAsync(string normalizedEmail, string? clientAddress) =>
        Task.FromResult(Failures.GetValueOrDefault(normalizedEmail) >= MaxFailures ? TimeSpan.FromMinutes(15) : (TimeSpan?)null);

    public Task RecordFailureAsync(string normalizedEmail, string? clientAddress)
    {
        Failures[normalizedEmail] = Failures.GetValueOrDefault(normalizedEmail) + 1;
        return Task.CompletedTask;
    }

    public Task RecordSuccessAsync(string normalizedEmail)
    {
        Failures.Remove(normalizedEmail);
        return Task.CompletedTask;
    }
}
