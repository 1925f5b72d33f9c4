using GoChatAi.AuthService.Application;
using GoChatAi.AuthService.Domain;
using GoChatAi.ServiceDefaults.Errors;

namespace GoChatAi.Tests.Unit;

/// <summary>Personal API keys over fakes: made with a secret shown once, limited, revoked with their tokens, exchanged only while usable.</summary>
public sealed class ApiKeyServiceTests
{
    private readonly AuthFakes _fakes = new();

    [Fact]
    public async Task A_key_is_made_with_a_recognisable_secret_of_which_only_the_hash_and_prefix_are_kept()
    {
        var (user, tokens) = await SignedInAsync();

        var created = await _fakes.ApiKeyService().CreateAsync(_fakes.CallerOf(user, tokens), " scripts ", null, "203.0.113.1", CancellationToken.None);

        Assert.Matches("^gca_[A-Za-z0-9_-]{43}$", created.Secret);
        var stored = Assert.Single(_fakes.ApiKeys.All);
        Assert.Equal(("scripts", created.Secret[..12], user.Id), (stored.Name, stored.Prefix, stored.UserId));
        Assert.Equal(SecretHash.Of(created.Secret), stored.SecretHash);
        Assert.Equal(_fakes.Options.ApiKeys.DefaultLifetime, stored.ExpiresAt - stored.CreatedAt);
        Assert.Contains(SecurityEventTypes.ApiKeyCreated, _fakes.SecurityEvents.Types);
    }

    [Theory]
    [InlineData("", 30, "name")]
    [InlineData("ok", 0, "expires_in_days")]
    [InlineData("ok", 366, "expires_in_days")]
    public async Task A_bad_name_or_lifetime_is_refused_and_nothing_is_made(string name, int days, string field)
    {
        var (user, tokens) = await SignedInAsync();

        var refused = await Assert.ThrowsAsync<ServiceException>(() =>
            _fakes.ApiKeyService().CreateAsync(_fakes.CallerOf(user, tokens), name, days, null, CancellationToken.None));

        Assert.Equal(ErrorKind.InvalidArgument, refused.Kind);
        Assert.Equal(field, Assert.Single(refused.Violations).Field);
        Assert.Empty(_fakes.ApiKeys.All);
    }

    [Fact]
    public async Task A_user_holds_at_most_the_configured_number_of_usable_keys()
    {
        _fakes.Options.ApiKeys.MaxPerUser = 2;
        var (user, tokens) = await SignedInAsync();
        var keys = _fakes.ApiKeyService();
        var caller = _fakes.CallerOf(user, tokens);
        var first = await keys.CreateAsync(caller, "one", null, null, CancellationToken.None);
        _fakes.Time.Advance(TimeSpan.FromSeconds(1));
        await keys.CreateAsync(caller, "two", null, null, CancellationToken.None);
        _fakes.Time.Advance(TimeSpan.FromSeconds(1));

        var refused = await Assert.ThrowsAsync<ServiceException>(() => keys.CreateAsync(caller, "three", null, null, CancellationToken.None));
        await keys.RevokeAsync(caller, first.Key.Id, null, CancellationToken.None);
        await keys.CreateAsync(caller, "three", null, null, CancellationToken.None);

        Assert.Equal(ErrorKind.ResourceExhausted, refused.Kind);
        Assert.Equal(["three", "two"], (await keys.ListAsync(caller, CancellationToken.None)).Select(k => k.Name));
    }

    [Fact]
    public async Task Exchanging_a_key_gives_a_token_for_its_user_with_the_key_as_session_never_outliving_the_key()
    {
        var (user, tokens) = await SignedInAsync();
        var keys = _fakes.ApiKeyService();
        var created = await keys.CreateAsync(_fakes.CallerOf(user, tokens), "agent", 1, null, CancellationToken.None);

        _fakes.Time.Advance(TimeSpan.FromDays(1) - TimeSpan.FromMinutes(5));
        var access = await keys.ExchangeAsync(created.Secret, CancellationToken.None);

        var info = await _fakes.AccessTokens.ReadAsync(access.AccessToken.Token, CancellationToken.None);
        Assert.Equal((user.Id, created.Key.Id), (info!.UserId, info.SessionId));
        Assert.Equal(created.Key.ExpiresAt, access.AccessToken.ExpiresAt);
        Assert.Equal(_fakes.Time.GetUtcNow(), _fakes.ApiKeys.UsedAt[created.Key.Id]);
    }

    [Fact]
    public async Task Unknown_revoked_and_expired_keys_get_one_answer()
    {
        var (user, tokens) = await SignedInAsync();
        var keys = _fakes.ApiKeyService();
        var caller = _fakes.CallerOf(user, tokens);
        var revoked = await keys.CreateAsync(caller, "revoked", null, null, CancellationToken.None);
        var expiring = await keys.CreateAsync(caller, "expiring", 1, null, CancellationToken.None);
        await keys.RevokeAsync(caller, revoked.Key.Id, null, CancellationToken.None);
        _fakes.Time.Advance(TimeSpan.FromDays(1));

        var answers = new List<string>();
        foreach (var secret in new[] { "gca_" + new string('x', 43), revoked.Secret, expiring.Secret })
        {
            var refused = await Assert.ThrowsAsync<ServiceException>(() => keys.ExchangeAsync(secret, CancellationToken.None));
            Assert.Equal(ErrorKind.Unauthenticated, refused.Kind);
            answers.Add(refused.Message);
        }

        Assert.Single(answers.Distinct());
        Assert.Empty(_fakes.ApiKeys.UsedAt);
    }

    [Fact]
    public async Task Revoking_a_key_revokes_the_tokens_it_acts_with_and_only_its_owner_may()
    {
        var (user, tokens) = await SignedInAsync();
        var keys = _fakes.ApiKeyService();
        var created = await keys.CreateAsync(_fakes.CallerOf(user, tokens), "agent", null, null, CancellationToken.None);
        var access = await keys.ExchangeAsync(created.Secret, CancellationToken.None);
        var stranger = new Caller(Guid.NewGuid(), IsAdmin: true, null, "jti", AuthFakes.Start.AddHours(1));

        var notTheirs = await Assert.ThrowsAsync<ServiceException>(() => keys.RevokeAsync(stranger, created.Key.Id, null, CancellationToken.None));
        Assert.NotNull(await _fakes.AccessTokens.ReadAsync(access.AccessToken.Token, CancellationToken.None));
        await keys.RevokeAsync(_fakes.CallerOf(user, tokens), created.Key.Id, null, CancellationToken.None);

        Assert.Equal(ErrorKind.NotFound, notTheirs.Kind);
        Assert.Contains("sid:" + created.Key.Id, _fakes.Revocations.Published);
        Assert.Null(await _fakes.AccessTokens.ReadAsync(access.AccessToken.Token, CancellationToken.None));
        Assert.Contains(SecurityEventTypes.ApiKeyRevoked, _fakes.SecurityEvents.Types);
    }

    private async Task<(User User, TokenPair Tokens)> SignedInAsync()
    {
        var user = _fakes.AddUser();
        return (user, await _fakes.SessionService().StartAsync(user, CancellationToken.None));
    }
}
