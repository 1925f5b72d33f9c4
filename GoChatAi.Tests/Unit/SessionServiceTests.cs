using GoChatAi.AuthService.Application;
using GoChatAi.AuthService.Domain;
using GoChatAi.ServiceDefaults.Errors;

namespace GoChatAi.Tests.Unit;

/// <summary>
/// Sessions over fakes, with the clock moved by the test: sign-in, refresh rotation, a spent token used again within
/// and after the race window (RFC 9700), sign-out and revocation (RFC 7009).
/// </summary>
public sealed class SessionServiceTests
{
    private readonly AuthFakes _fakes = new();

    [Fact]
    public async Task A_session_starts_with_an_access_token_for_it_and_a_refresh_token_stored_as_a_hash_only()
    {
        var user = _fakes.AddUser();

        var tokens = await _fakes.SessionService().StartAsync(user, CancellationToken.None);

        var family = Assert.Single(_fakes.Sessions.Families);
        var stored = Assert.Single(_fakes.Sessions.Tokens);
        Assert.Equal(user.Id, family.UserId);
        Assert.Equal(family.Id, _fakes.AccessTokens.SessionOf(tokens.Access.Token));
        Assert.Equal(43, tokens.RefreshToken.Length); // 256 bits, base64url without padding
        Assert.DoesNotContain(tokens.RefreshToken, Convert.ToBase64String(stored.TokenHash), StringComparison.Ordinal);
        Assert.Equal(AuthFakes.Start + _fakes.Options.RefreshTokenLifetime, tokens.RefreshTokenExpiresAt);
        Assert.Equal(1, _fakes.Changes.Saves);
    }

    [Fact]
    public async Task A_refresh_rotates_the_token_within_the_session_and_spends_the_old_one()
    {
        var sessions = _fakes.SessionService();
        var first = await sessions.StartAsync(_fakes.AddUser(), CancellationToken.None);
        _fakes.Time.Advance(TimeSpan.FromMinutes(10));

        var second = await sessions.RefreshAsync(first.RefreshToken, null, CancellationToken.None);

        Assert.NotEqual(first.RefreshToken, second.RefreshToken);
        Assert.Equal(_fakes.AccessTokens.SessionOf(first.Access.Token), _fakes.AccessTokens.SessionOf(second.Access.Token));
        Assert.Equal(AuthFakes.Start + TimeSpan.FromMinutes(10), _fakes.Sessions.Tokens[0].UsedAt);
        Assert.Equal(AuthFakes.Start + TimeSpan.FromMinutes(10) + _fakes.Options.RefreshTokenLifetime, second.RefreshTokenExpiresAt);
        Assert.Single(_fakes.Sessions.Families);
    }

    [Fact]
    public async Task A_refresh_token_never_outlives_its_session()
    {
        var sessions = _fakes.SessionService();
        var tokens = await sessions.StartAsync(_fakes.AddUser(), CancellationToken.None);
        for (var i = 0; i < 2; i++)
        {
            _fakes.Time.Advance(TimeSpan.FromDays(13));
            tokens = await sessions.RefreshAsync(tokens.RefreshToken, null, CancellationToken.None);
        }

        Assert.Equal(AuthFakes.Start + _fakes.Options.SessionAbsoluteLifetime, tokens.RefreshTokenExpiresAt);
        _fakes.Time.Advance(TimeSpan.FromDays(4));
        await AssertRefreshRefusedAsync(sessions, tokens.RefreshToken);
    }

    [Fact]
    public async Task An_expired_or_unknown_refresh_token_is_refused()
    {
        var sessions = _fakes.SessionService();
        var tokens = await sessions.StartAsync(_fakes.AddUser(), CancellationToken.None);

        await AssertRefreshRefusedAsync(sessions, "not-a-token-this-service-issued");
        _fakes.Time.Advance(_fakes.Options.RefreshTokenLifetime);
        await AssertRefreshRefusedAsync(sessions, tokens.RefreshToken);
        Assert.Null(_fakes.Sessions.Families[0].RevokedAt);
    }

    [Fact]
    public async Task A_spent_token_used_again_within_the_race_window_is_refused_but_the_session_lives_on()
    {
        var sessions = _fakes.SessionService();
        var first = await sessions.StartAsync(_fakes.AddUser(), CancellationToken.None);
        var second = await sessions.RefreshAsync(first.RefreshToken, null, CancellationToken.None);

        // Two tabs refreshing at once: the second one arrives at the window's last instant.
        _fakes.Time.Advance(_fakes.Options.RefreshRaceWindow);
        await AssertRefreshRefusedAsync(sessions, first.RefreshToken);

        Assert.Null(_fakes.Sessions.Families[0].RevokedAt);
        Assert.Empty(_fakes.Revocations.Published);
        Assert.DoesNotContain(SecurityEventTypes.RefreshTokenReused, _fakes.SecurityEvents.Types);
        Assert.NotNull(await sessions.IntrospectAsync(second.Access.Token, CancellationToken.None));
        await sessions.RefreshAsync(second.RefreshToken, null, CancellationToken.None);
    }

    [Fact]
    public async Task A_spent_token_used_again_after_the_race_window_is_a_replay_that_revokes_the_whole_session()
    {
        var user = _fakes.AddUser();
        var sessions = _fakes.SessionService();
        var first = await sessions.StartAsync(user, CancellationToken.None);
        var second = await sessions.RefreshAsync(first.RefreshToken, "203.0.113.7", CancellationToken.None);

        _fakes.Time.Advance(_fakes.Options.RefreshRaceWindow + TimeSpan.FromMilliseconds(1));
        await AssertRefreshRefusedAsync(sessions, first.RefreshToken);

        var family = _fakes.Sessions.Families[0];
        Assert.Equal(SecurityEventTypes.RefreshTokenReused, family.RevokedReason);
        Assert.Equal(["sid:" + family.Id], _fakes.Revocations.Published);
        Assert.Contains((SecurityEventTypes.RefreshTokenReused, (Guid?)user.Id, $"session {family.Id}"), _fakes.SecurityEvents.Events);
        // The thief's rotated token and the session's access token are dead too.
        await AssertRefreshRefusedAsync(sessions, second.RefreshToken);
        Assert.Null(await sessions.IntrospectAsync(second.Access.Token, CancellationToken.None));
    }

    [Fact]
    public async Task Signing_out_ends_the_callers_session_and_access_token_but_not_the_users_other_sessions()
    {
        var (user, here, elsewhere) = await _fakes.UserWithTwoSessionsAsync();
        var sessions = _fakes.SessionService();

        await sessions.SignOutAsync(_fakes.CallerOf(user, here), null, allSessions: false, null, CancellationToken.None);

        Assert.Null(await sessions.IntrospectAsync(here.Access.Token, CancellationToken.None));
        await AssertRefreshRefusedAsync(sessions, here.RefreshToken);
        Assert.NotNull(await sessions.IntrospectAsync(elsewhere.Access.Token, CancellationToken.None));
        await sessions.RefreshAsync(elsewhere.RefreshToken, null, CancellationToken.None);
        Assert.Contains(SecurityEventTypes.SignedOut, _fakes.SecurityEvents.Types);
    }

    [Fact]
    public async Task Signing_out_everywhere_ends_every_session_of_the_user()
    {
        var (user, here, elsewhere) = await _fakes.UserWithTwoSessionsAsync();
        var sessions = _fakes.SessionService();
        var bobs = await sessions.StartAsync(_fakes.AddUser("bob@example.com"), CancellationToken.None);

        await sessions.SignOutAsync(_fakes.CallerOf(user, here), null, allSessions: true, null, CancellationToken.None);

        Assert.Null(await sessions.IntrospectAsync(elsewhere.Access.Token, CancellationToken.None));
        await AssertRefreshRefusedAsync(sessions, elsewhere.RefreshToken);
        Assert.NotNull(await sessions.IntrospectAsync(bobs.Access.Token, CancellationToken.None));
    }

    [Fact]
    public async Task Signing_out_with_a_refresh_token_also_ends_the_session_that_holds_it()
    {
        var (user, here, elsewhere) = await _fakes.UserWithTwoSessionsAsync();

        await _fakes.SessionService().SignOutAsync(_fakes.CallerOf(user, here), elsewhere.RefreshToken, allSessions: false, null, CancellationToken.None);

        Assert.All(_fakes.Sessions.Families, f => Assert.Equal(SecurityEventTypes.SignedOut, f.RevokedReason));
    }

    [Fact]
    public async Task Revoking_a_refresh_token_ends_its_session_and_an_unknown_token_is_no_error()
    {
        var sessions = _fakes.SessionService();
        var tokens = await sessions.StartAsync(_fakes.AddUser(), CancellationToken.None);

        await sessions.RevokeAsync(tokens.RefreshToken, hintRefreshToken: true, null, CancellationToken.None);
        await sessions.RevokeAsync(tokens.RefreshToken, hintRefreshToken: true, null, CancellationToken.None);
        await sessions.RevokeAsync("never-issued", hintRefreshToken: false, null, CancellationToken.None);

        Assert.Equal(SecurityEventTypes.TokenRevoked, _fakes.Sessions.Families[0].RevokedReason);
        Assert.Null(await sessions.IntrospectAsync(tokens.Access.Token, CancellationToken.None));
    }

    [Fact]
    public async Task Revoking_an_access_token_revokes_that_token_only()
    {
        var sessions = _fakes.SessionService();
        var tokens = await sessions.StartAsync(_fakes.AddUser(), CancellationToken.None);

        await sessions.RevokeAsync(tokens.Access.Token, hintRefreshToken: false, null, CancellationToken.None);

        Assert.Equal(["jti:" + tokens.Access.TokenId], _fakes.Revocations.Published);
        Assert.Null(_fakes.Sessions.Families[0].RevokedAt);
        await sessions.RefreshAsync(tokens.RefreshToken, null, CancellationToken.None);
    }

    private static async Task AssertRefreshRefusedAsync(SessionService sessions, string refreshToken)
    {
        var error = await Assert.ThrowsAsync<ServiceException>(() => sessions.RefreshAsync(refreshToken, null, CancellationToken.None));
        Assert.Equal(ErrorKind.Unauthenticated, error.Kind);
    }
}
