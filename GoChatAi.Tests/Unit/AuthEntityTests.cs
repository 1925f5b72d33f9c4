using GoChatAi.AuthService.Domain;

namespace GoChatAi.Tests.Unit;

/// <summary>A session's life: its tokens, rotation, replay judgement and revocation, each allowed and refused change.</summary>
public sealed class RefreshTokenFamilyTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Absolute = TimeSpan.FromDays(30);
    private static readonly TimeSpan TokenLifetime = TimeSpan.FromDays(14);
    private static readonly TimeSpan RaceWindow = TimeSpan.FromSeconds(5);
    private static readonly Guid UserId = Guid.CreateVersion7();

    [Fact]
    public void A_started_session_is_active_until_its_absolute_end()
    {
        var family = RefreshTokenFamily.Start(UserId, Now, Absolute);

        Assert.Equal(UserId, family.UserId);
        Assert.Equal(Now + Absolute, family.AbsoluteExpiresAt);
        Assert.True(family.IsActive(Now));
        Assert.True(family.IsActive(Now + Absolute - TimeSpan.FromTicks(1)));
        Assert.False(family.IsActive(Now + Absolute));
    }

    [Fact]
    public void A_session_without_a_lifetime_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => RefreshTokenFamily.Start(UserId, Now, TimeSpan.Zero));
    }

    [Fact]
    public void A_token_lives_its_lifetime_but_never_past_the_session()
    {
        var family = RefreshTokenFamily.Start(UserId, Now, Absolute);

        var first = family.IssueToken([1], Now, TokenLifetime);
        var late = family.IssueToken([2], Now + TimeSpan.FromDays(20), TokenLifetime);

        Assert.Equal(family.Id, first.FamilyId);
        Assert.Equal(Now + TokenLifetime, first.ExpiresAt);
        Assert.Equal(family.AbsoluteExpiresAt, late.ExpiresAt);
        Assert.Null(first.UsedAt);
    }

    [Fact]
    public void A_session_accepts_its_own_unexpired_tokens_only()
    {
        var family = RefreshTokenFamily.Start(UserId, Now, Absolute);
        var token = family.IssueToken([1], Now, TokenLifetime);
        var foreign = RefreshTokenFamily.Start(UserId, Now, Absolute).IssueToken([2], Now, TokenLifetime);

        Assert.True(family.Accepts(token, Now + TokenLifetime - TimeSpan.FromTicks(1)));
        Assert.False(family.Accepts(token, Now + TokenLifetime));
        Assert.False(family.Accepts(foreign, Now));
    }

    [Fact]
    public void A_revoked_session_accepts_no_token_and_issues_none()
    {
        var family = RefreshTokenFamily.Start(UserId, Now, Absolute);
        var token = family.IssueToken([1], Now, TokenLifetime);

        family.Revoke(SecurityEventTypes.SignedOut, Now + TimeSpan.FromMinutes(1));

        Assert.Equal(Now + TimeSpan.FromMinutes(1), family.RevokedAt);
        Assert.Equal(SecurityEventTypes.SignedOut, family.RevokedReason);
        Assert.False(family.IsActive(Now + TimeSpan.FromMinutes(1)));
        Assert.False(family.Accepts(token, Now + TimeSpan.FromMinutes(1)));
        Assert.Throws<InvalidOperationException>(() => family.IssueToken([2], Now + TimeSpan.FromMinutes(1), TokenLifetime));
    }

    [Fact]
    public void An_ended_session_issues_no_token()
    {
        var family = RefreshTokenFamily.Start(UserId, Now, Absolute);

        Assert.Throws<InvalidOperationException>(() => family.IssueToken([1], Now + Absolute, TokenLifetime));
    }

    [Fact]
    public void A_session_is_revoked_once_and_its_first_reason_stands()
    {
        var family = RefreshTokenFamily.Start(UserId, Now, Absolute);
        family.Revoke(SecurityEventTypes.RefreshTokenReused, Now);

        Assert.Throws<InvalidOperationException>(() => family.Revoke(SecurityEventTypes.SignedOut, Now + TimeSpan.FromSeconds(1)));
        Assert.Equal(SecurityEventTypes.RefreshTokenReused, family.RevokedReason);
        Assert.Equal(Now, family.RevokedAt);
    }

    [Fact]
    public void A_revocation_needs_a_reason()
    {
        var family = RefreshTokenFamily.Start(UserId, Now, Absolute);

        Assert.Throws<ArgumentException>(() => family.Revoke(" ", Now));
        Assert.Null(family.RevokedAt);
    }

    [Fact]
    public void A_token_is_used_once()
    {
        var token = RefreshTokenFamily.Start(UserId, Now, Absolute).IssueToken([1], Now, TokenLifetime);

        token.Use(Now + TimeSpan.FromSeconds(1));

        Assert.Equal(Now + TimeSpan.FromSeconds(1), token.UsedAt);
        Assert.Throws<InvalidOperationException>(() => token.Use(Now + TimeSpan.FromSeconds(2)));
        Assert.Equal(Now + TimeSpan.FromSeconds(1), token.UsedAt);
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(5, false)] // the window's last instant still counts as a race
    [InlineData(6, true)]
    [InlineData(3600, true)]
    public void A_spent_token_used_again_is_a_race_within_the_window_and_a_replay_after_it(int secondsAfterFirstUse, bool replay)
    {
        Assert.Equal(replay, RefreshTokenFamily.IsReplay(Now, Now + TimeSpan.FromSeconds(secondsAfterFirstUse), RaceWindow));
    }

    [Fact]
    public void A_spent_token_whose_first_use_is_unknown_is_a_replay()
    {
        Assert.True(RefreshTokenFamily.IsReplay(null, Now, RaceWindow));
    }
}

/// <summary>An account's changes: what the user changes counts as an update, a rehash does not, admin is granted once.</summary>
public sealed class UserTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
    private static readonly EmailAddress Email = EmailAddress.Parse(" Ann@Example.com ");

    [Fact]
    public void A_new_user_is_a_plain_user_keyed_by_its_canonical_address()
    {
        var user = User.Create(Email, "Ann", "hash", Now);

        Assert.Equal("Ann@Example.com", user.Email);
        Assert.Equal("ann@example.com", user.NormalizedEmail);
        Assert.Equal([Roles.User], user.Roles);
        Assert.False(user.IsAdmin);
        Assert.Equal(Now, user.CreatedAt);
        Assert.Equal(Now, user.UpdatedAt);
    }

    [Theory]
    [InlineData("", "hash")]
    [InlineData("  ", "hash")]
    [InlineData("Ann", "")]
    public void A_user_without_a_name_or_a_password_hash_is_refused(string name, string hash)
    {
        Assert.ThrowsAny<ArgumentException>(() => User.Create(Email, name, hash, Now));
    }

    [Fact]
    public void An_update_changes_what_is_given_and_counts_as_an_update_even_when_nothing_is()
    {
        var user = User.Create(Email, "Ann", "hash", Now);

        user.Update("Anna", null, Now + TimeSpan.FromMinutes(1));
        Assert.Equal(("Anna", "hash"), (user.Name, user.PasswordHash));

        user.Update(null, "new hash", Now + TimeSpan.FromMinutes(2));
        Assert.Equal(("Anna", "new hash"), (user.Name, user.PasswordHash));

        user.Update(null, null, Now + TimeSpan.FromMinutes(3));
        Assert.Equal(Now + TimeSpan.FromMinutes(3), user.UpdatedAt);
    }

    [Fact]
    public void An_update_to_a_blank_name_or_hash_is_refused()
    {
        var user = User.Create(Email, "Ann", "hash", Now);

        Assert.ThrowsAny<ArgumentException>(() => user.Update(" ", null, Now + TimeSpan.FromMinutes(1)));
        Assert.ThrowsAny<ArgumentException>(() => user.Update(null, "", Now + TimeSpan.FromMinutes(1)));
        Assert.Equal(("Ann", "hash", Now), (user.Name, user.PasswordHash, user.UpdatedAt));
    }

    [Fact]
    public void Upgrading_the_hash_of_the_same_password_is_not_an_update()
    {
        var user = User.Create(Email, "Ann", "hash", Now);

        user.UpgradePasswordHash("stronger hash");

        Assert.Equal("stronger hash", user.PasswordHash);
        Assert.Equal(Now, user.UpdatedAt);
        Assert.ThrowsAny<ArgumentException>(() => user.UpgradePasswordHash(""));
    }

    [Fact]
    public void Admin_is_granted_once()
    {
        var user = User.Create(Email, "Ann", "hash", Now);

        user.GrantAdmin();

        Assert.True(user.IsAdmin);
        Assert.Equal([Roles.User, Roles.Admin], user.Roles);
        Assert.Throws<InvalidOperationException>(user.GrantAdmin);
        Assert.Equal([Roles.User, Roles.Admin], user.Roles);
    }
}

/// <summary>A signing key's schedule: it signs for its period, then stays published as long as its tokens are accepted.</summary>
public sealed class SigningKeyTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Period = TimeSpan.FromDays(90);
    private static readonly TimeSpan TokenValidity = TimeSpan.FromMinutes(15);

    [Fact]
    public void A_key_signs_during_its_period_and_is_published_until_its_last_tokens_expire()
    {
        var activatesAt = Now + TimeSpan.FromDays(1);
        var key = SigningKey.Create("kid", [], Now, activatesAt, Period, TokenValidity);

        Assert.Equal(activatesAt + Period, key.RetiresAt);
        Assert.Equal(activatesAt + Period + TokenValidity, key.ExpiresAt);
        // Published ahead of signing.
        Assert.False(key.Signs(Now));
        Assert.True(key.IsPublished(Now));
        Assert.True(key.Signs(activatesAt));
        // Retired: signs no more, still validates.
        Assert.False(key.Signs(key.RetiresAt));
        Assert.True(key.IsPublished(key.RetiresAt));
        Assert.False(key.IsPublished(key.ExpiresAt));
    }

    [Fact]
    public void A_key_that_would_sign_before_it_exists_or_for_no_time_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SigningKey.Create("kid", [], Now, Now - TimeSpan.FromSeconds(1), Period, TokenValidity));
        Assert.Throws<ArgumentOutOfRangeException>(() => SigningKey.Create("kid", [], Now, Now, TimeSpan.Zero, TokenValidity));
        Assert.Throws<ArgumentOutOfRangeException>(() => SigningKey.Create("kid", [], Now, Now, Period, TimeSpan.FromSeconds(-1)));
        Assert.ThrowsAny<ArgumentException>(() => SigningKey.Create("", [], Now, Now, Period, TokenValidity));
    }
}
