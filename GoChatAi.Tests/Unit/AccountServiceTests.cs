using GoChatAi.AuthService.Application;
using GoChatAi.AuthService.Domain;
using GoChatAi.ServiceDefaults.Errors;

namespace GoChatAi.Tests.Unit;

/// <summary>Accounts over fakes: signing up and in (same answer for an unknown email), throttling, password changes, access.</summary>
public sealed class AccountServiceTests
{
    private const string Password = "a long enough password";
    private readonly AuthFakes _fakes = new();

    [Fact]
    public async Task Signing_up_stores_the_user_with_a_hashed_password_and_starts_a_session_in_one_save()
    {
        var (user, tokens) = await _fakes.AccountService().SignUpAsync(" Ann ", " Ann@Example.com ", Password, null, CancellationToken.None);

        Assert.Equal(("Ann", "Ann@Example.com", "ann@example.com"), (user.Name, user.Email, user.NormalizedEmail));
        Assert.Equal(FakePasswordHasher.HashOf(Password), user.PasswordHash);
        Assert.Same(user, Assert.Single(_fakes.Users.All));
        Assert.Equal(user.Id, _fakes.Sessions.Families.Single().UserId);
        Assert.Equal(_fakes.Sessions.Families[0].Id, _fakes.AccessTokens.SessionOf(tokens.Access.Token));
        Assert.Equal([SecurityEventTypes.SignUp], _fakes.SecurityEvents.Types);
        Assert.Equal(1, _fakes.Changes.Saves);
    }

    [Fact]
    public async Task A_taken_address_is_refused_whether_seen_first_or_lost_in_a_race()
    {
        var accounts = _fakes.AccountService();
        _fakes.AddUser("ann@example.com");

        var seen = await Assert.ThrowsAsync<ServiceException>(() => accounts.SignUpAsync("Ann", "ANN@example.com", Password, null, CancellationToken.None));
        _fakes.Changes.FailNextWithDuplicateKey = true;
        var raced = await Assert.ThrowsAsync<ServiceException>(() => accounts.SignUpAsync("Bob", "bob@example.com", Password, null, CancellationToken.None));

        Assert.Equal(ErrorKind.AlreadyExists, seen.Kind);
        Assert.Equal(ErrorKind.AlreadyExists, raced.Kind);
        Assert.Equal(seen.Message, raced.Message);
    }

    [Fact]
    public async Task Signing_in_with_the_right_password_starts_a_session_and_clears_the_accounts_failures()
    {
        var user = _fakes.AddUser();
        _fakes.Throttle.Failures[user.NormalizedEmail] = 2;

        var (signedIn, _) = await _fakes.AccountService().SignInAsync("ANN@example.com", Password, null, CancellationToken.None);

        Assert.Same(user, signedIn);
        Assert.Single(_fakes.Sessions.Families);
        Assert.Empty(_fakes.Throttle.Failures);
        Assert.Equal([SecurityEventTypes.SignInSucceeded], _fakes.SecurityEvents.Types);
    }

    [Fact]
    public async Task An_unknown_email_and_a_wrong_password_get_the_same_answer_and_both_count_as_failures()
    {
        _fakes.AddUser();
        var accounts = _fakes.AccountService();

        var wrong = await Assert.ThrowsAsync<ServiceException>(() => accounts.SignInAsync("ann@example.com", "not the password at all", null, CancellationToken.None));
        var unknown = await Assert.ThrowsAsync<ServiceException>(() => accounts.SignInAsync("nobody@example.com", "not the password at all", null, CancellationToken.None));

        Assert.Equal((ErrorKind.Unauthenticated, wrong.Message), (unknown.Kind, unknown.Message));
        // The unknown email costs a verification as well.
        Assert.Equal(1, _fakes.Passwords.NothingVerified);
        Assert.Equal(1, _fakes.Throttle.Failures["ann@example.com"]);
        Assert.Equal(1, _fakes.Throttle.Failures["nobody@example.com"]);
        Assert.Equal([SecurityEventTypes.SignInFailed, SecurityEventTypes.SignInFailed], _fakes.SecurityEvents.Types);
        Assert.Empty(_fakes.Sessions.Families);
    }

    [Fact]
    public async Task A_throttled_account_is_refused_even_with_the_right_password()
    {
        var user = _fakes.AddUser();
        _fakes.Throttle.Failures[user.NormalizedEmail] = FakeSignInThrottle.MaxFailures;

        var error = await Assert.ThrowsAsync<ServiceException>(() => _fakes.AccountService().SignInAsync("ann@example.com", Password, null, CancellationToken.None));

        Assert.Equal(ErrorKind.ResourceExhausted, error.Kind);
        Assert.Equal(TimeSpan.FromMinutes(15), error.RetryAfter);
        Assert.Equal([SecurityEventTypes.SignInThrottled], _fakes.SecurityEvents.Types);
        Assert.Empty(_fakes.Sessions.Families);
    }

    [Fact]
    public async Task A_hash_of_an_old_cost_is_upgraded_at_sign_in_without_counting_as_an_update()
    {
        _fakes.Users.Add(User.Create(EmailAddress.Parse("ann@example.com"), "Ann", "old:" + Password, AuthFakes.Start));
        _fakes.Time.Advance(TimeSpan.FromDays(1));

        var (user, _) = await _fakes.AccountService().SignInAsync("ann@example.com", Password, null, CancellationToken.None);

        Assert.Equal(FakePasswordHasher.HashOf(Password), user.PasswordHash);
        Assert.Equal(AuthFakes.Start, user.UpdatedAt);
    }

    [Fact]
    public async Task A_new_password_ends_every_other_session_but_the_callers()
    {
        var (user, here, elsewhere) = await _fakes.UserWithTwoSessionsAsync();
        var sessions = _fakes.SessionService();
        _fakes.Time.Advance(TimeSpan.FromMinutes(1));

        var updated = await _fakes.AccountService().UpdateAsync(_fakes.CallerOf(user, here), new UpdateUserCommand(user.Id, null, Password,
            "another long enough password"), null, CancellationToken.None);

        Assert.Equal(FakePasswordHasher.HashOf("another long enough password"), updated.PasswordHash);
        Assert.Equal(AuthFakes.Start + TimeSpan.FromMinutes(1), updated.UpdatedAt);
        Assert.NotNull(await sessions.IntrospectAsync(here.Access.Token, CancellationToken.None));
        Assert.Null(await sessions.IntrospectAsync(elsewhere.Access.Token, CancellationToken.None));
        Assert.Contains(SecurityEventTypes.PasswordChanged, _fakes.SecurityEvents.Types);
    }

    [Fact]
    public async Task A_wrong_current_password_changes_nothing_and_counts_as_a_failure()
    {
        var user = _fakes.AddUser();
        var caller = _fakes.CallerOf(user, await _fakes.SessionService().StartAsync(user, CancellationToken.None));

        var error = await Assert.ThrowsAsync<ServiceException>(() => _fakes.AccountService().UpdateAsync(caller,
            new UpdateUserCommand(user.Id, "New Name", "not the password at all", "another long enough password"), null, CancellationToken.None));

        Assert.Equal(ErrorKind.InvalidArgument, error.Kind);
        Assert.Equal(("Ann", FakePasswordHasher.HashOf(Password)), (user.Name, user.PasswordHash));
        Assert.Equal(1, _fakes.Throttle.Failures[user.NormalizedEmail]);
        Assert.Contains(SecurityEventTypes.PasswordChangeFailed, _fakes.SecurityEvents.Types);
    }

    [Fact]
    public async Task A_user_may_read_itself_only_and_an_admin_anyone()
    {
        var ann = _fakes.AddUser();
        var bob = _fakes.AddUser("bob@example.com");
        var accounts = _fakes.AccountService();
        var asAnn = new Caller(ann.Id, IsAdmin: false, null, "jti", AuthFakes.Start.AddHours(1));
        var asAdmin = asAnn with { UserId = Guid.CreateVersion7(), IsAdmin = true };

        Assert.Same(ann, await accounts.GetAsync(asAnn, ann.Id, CancellationToken.None));
        var denied = await Assert.ThrowsAsync<ServiceException>(() => accounts.GetAsync(asAnn, bob.Id, CancellationToken.None));
        var missing = await Assert.ThrowsAsync<ServiceException>(() => accounts.GetAsync(asAnn, Guid.CreateVersion7(), CancellationToken.None));
        Assert.Same(bob, await accounts.GetAsync(asAdmin, bob.Id, CancellationToken.None));

        Assert.Equal(ErrorKind.PermissionDenied, denied.Kind);
        // Another user's id is refused whether or not it exists.
        Assert.Equal(ErrorKind.PermissionDenied, missing.Kind);
    }

    [Fact]
    public async Task Deleting_a_user_removes_it_and_publishes_its_deletion_after_the_save()
    {
        var user = _fakes.AddUser();

        await _fakes.AccountService().DeleteAsync(new Caller(user.Id, false, null, "jti", AuthFakes.Start.AddHours(1)), user.Id, null, CancellationToken.None);

        Assert.Empty(_fakes.Users.All);
        Assert.Equal(["sub:" + user.Id], _fakes.Revocations.Published);
        Assert.Contains((SecurityEventTypes.UserDeleted, (Guid?)user.Id, "by self"), _fakes.SecurityEvents.Events);
    }
}
