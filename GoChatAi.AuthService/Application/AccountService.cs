using GoChatAi.AuthService.Domain;
using GoChatAi.ServiceDefaults;
using GoChatAi.ServiceDefaults.Errors;

namespace GoChatAi.AuthService.Application;

/// <summary>Accounts: signing up and in, and reading and managing users (a user itself, or an admin).</summary>
public sealed class AccountService(
    IUserStore users,
    IUnitOfWork changes,
    IPasswordHasher passwords,
    PasswordPolicy passwordPolicy,
    ISignInThrottle throttle,
    SessionService sessions,
    IRevocationRecorder revocations,
    ISecurityEventLog securityEvents,
    AuthMetrics metrics,
    TimeProvider timeProvider)
{
    public const int MaxNameLength = 100;
    public const int MaxPage = 10_000;
    public const int MaxLimit = 100;
    public const int DefaultLimit = 20;
    private const string WrongCredentials = "The email or password is incorrect.";

    /// <summary>Longest password read at all: anything longer is refused before it costs a hash.</summary>
    private const int MaxPasswordAttemptLength = 1024;

    public async Task<(User User, TokenPair Tokens)> SignUpAsync(string name, string email, string password, string? clientAddress, CancellationToken cancellationToken)
    {
        new RequestValidation()
            .Check("name", NameViolation(name))
            .Check("email", EmailAddress.Validate(email))
            .Check("password", passwordPolicy.Validate(password))
            .ThrowIfInvalid();

        var address = EmailAddress.Parse(email);
        if (await users.ExistsAsync(address.Normalized, cancellationToken))
        {
            throw EmailTaken();
        }

        var now = timeProvider.GetUtcNowForStorage();
        var user = User.Create(address, name.Trim(), await passwords.HashAsync(password, cancellationToken), now);
        users.Add(user);
        securityEvents.Add(SecurityEventTypes.SignUp, user.Id, clientAddress);
        try
        {
            var tokens = await sessions.StartAsync(user, cancellationToken);
            metrics.SignedUp();
            return (user, tokens);
        }
        catch (DuplicateKeyException)
        {
            // Two sign-ups with one address raced: the unique index let one through.
            throw EmailTaken();
        }
    }

    /// <summary>
    /// Signs in. An unknown email and a wrong password get the same answer at the same cost (a hash is verified
    /// either way); a throttled account or address is refused whatever the password.
    /// </summary>
    public async Task<(User User, TokenPair Tokens)> SignInAsync(string email, string password, string? clientAddress, CancellationToken cancellationToken)
    {
        new RequestValidation()
            .Check("email", email.Trim().Length == 0 ? "is required" : RequestValidation.TextViolation(email, EmailAddress.MaxLength))
            .Check("password", password.Length == 0 ? "is required" : PasswordAttemptViolation(password))
            .ThrowIfInvalid();

        var normalized = EmailAddress.Validate(email) is null ? EmailAddress.Parse(email).Normalized : email.Trim().ToLowerInvariant();
        if (await throttle.RetryAfterAsync(normalized, clientAddress) is { } wait)
        {
            metrics.SignIn("throttled");
            await securityEvents.RecordAsync(SecurityEventTypes.SignInThrottled, null, clientAddress, cancellationToken);
            throw ServiceException.ResourceExhausted(
                $"Too many failed sign-ins; try again in {Math.Ceiling(wait.TotalSeconds)} seconds.", wait);
        }

        var user = await users.FindByEmailAsync(normalized, cancellationToken);
        var (matches, needsRehash) = user is null
            ? await VerifyNothingAsync(password, cancellationToken)
            : await passwords.VerifyAsync(user.PasswordHash, password, cancellationToken);
        if (user is null || !matches)
        {
            metrics.SignIn("failed");
            await throttle.RecordFailureAsync(normalized, clientAddress);
            await securityEvents.RecordAsync(SecurityEventTypes.SignInFailed, user?.Id, clientAddress, cancellationToken);
            throw ServiceException.Unauthenticated(WrongCredentials);
        }

        if (needsRehash)
        {
            // Hashes made at a lower cost are upgraded while the password is at hand.
            user.UpgradePasswordHash(await passwords.HashAsync(password, cancellationToken));
        }

        metrics.SignIn("succeeded");
        await throttle.RecordSuccessAsync(normalized);
        securityEvents.Add(SecurityEventTypes.SignInSucceeded, user.Id, clientAddress);
        return (user, await sessions.StartAsync(user, cancellationToken));
    }

    public async Task<(IReadOnlyList<User> Users, int TotalCount, int Page, int Limit)> ListAsync(Caller caller, int? page, int? limit, CancellationToken cancellationToken)
    {
        if (!caller.IsAdmin)
        {
            throw ServiceException.PermissionDenied("Only an administrator may list users.");
        }

        new RequestValidation()
            .Require(page is null or (>= 1 and <= MaxPage), "page", $"must be between 1 and {MaxPage}")
            .Require(limit is null or (>= 1 and <= MaxLimit), "limit", $"must be between 1 and {MaxLimit}")
            .ThrowIfInvalid();

        var (p, l) = (page ?? 1, limit ?? DefaultLimit);
        var (found, total) = await users.ListAsync(p, l, cancellationToken);
        return (found, total, p, l);
    }

    public async Task<User> GetAsync(Caller caller, Guid userId, CancellationToken cancellationToken)
    {
        AuthorizeAccess(caller, userId);
        return await users.ReadAsync(userId, cancellationToken)
            ?? throw ServiceException.NotFound("The user");
    }

    /// <summary>Renames a user and/or changes its password; a new password ends every other session of the user.</summary>
    public async Task<User> UpdateAsync(Caller caller, UpdateUserCommand command, string? clientAddress, CancellationToken cancellationToken)
    {
        var (userId, name, currentPassword, newPassword) = command;
        AuthorizeAccess(caller, userId);
        var check = new RequestValidation();
        if (name is not null)
        {
            check.Check("name", NameViolation(name));
        }

        if (newPassword is not null)
        {
            check.Check("new_password", passwordPolicy.Validate(newPassword));
            check.Check("current_password", string.IsNullOrEmpty(currentPassword)
                ? "is required to change the password"
                : PasswordAttemptViolation(currentPassword));
        }

        check.ThrowIfInvalid();

        var user = await users.FindAsync(userId, cancellationToken)
            ?? throw ServiceException.NotFound("The user");
        string? newPasswordHash = null;
        if (newPassword is not null)
        {
            // Checked before anything changes: a wrong password's security event is saved on its own.
            await VerifyCurrentPasswordAsync(user, currentPassword!, clientAddress, cancellationToken);
            newPasswordHash = await passwords.HashAsync(newPassword, cancellationToken);
            await sessions.RevokeSessionsAsync(user.Id, except: caller.UserId == user.Id ? caller.SessionId : null,
                SecurityEventTypes.PasswordChanged, cancellationToken);
            securityEvents.Add(SecurityEventTypes.PasswordChanged, user.Id, clientAddress);
        }

        user.Update(name?.Trim(), newPasswordHash, timeProvider.GetUtcNowForStorage());
        await changes.SaveChangesAsync(cancellationToken);
        await revocations.PublishAsync();
        return user;
    }

    /// <summary>
    /// Deletes a user with its sessions, revokes every token it holds, and records the deletion so that the other
    /// services delete the user's data (the ChatService its conversations).
    /// </summary>
    public async Task DeleteAsync(Caller caller, Guid userId, string? clientAddress, CancellationToken cancellationToken)
    {
        AuthorizeAccess(caller, userId);
        var user = await users.FindAsync(userId, cancellationToken)
            ?? throw ServiceException.NotFound("The user");

        revocations.RecordUserDeleted(user.Id);
        metrics.Revoked(SecurityEventTypes.UserDeleted);
        users.Remove(user);
        securityEvents.Add(SecurityEventTypes.UserDeleted, user.Id, clientAddress, caller.UserId == user.Id ? "by self" : $"by admin {caller.UserId}");
        await changes.SaveChangesAsync(cancellationToken);
        await revocations.PublishAsync();
    }

    /// <summary>A user may act on itself only; an admin on anyone. Another user's id is refused whether or not it exists.</summary>
    private static void AuthorizeAccess(Caller caller, Guid userId)
    {
        if (userId != caller.UserId && !caller.IsAdmin)
        {
            throw ServiceException.PermissionDenied("You may only read and change your own account.");
        }
    }

    /// <summary>
    /// Checks the current password of a password change. Whoever holds a stolen access token could guess it here
    /// instead of at sign-in, so the sign-in throttle counts it (per account and per client address) and every
    /// wrong guess is a security event.
    /// </summary>
    private async Task VerifyCurrentPasswordAsync(User user, string currentPassword, string? clientAddress, CancellationToken cancellationToken)
    {
        if (await throttle.RetryAfterAsync(user.NormalizedEmail, clientAddress) is { } wait)
        {
            await securityEvents.RecordAsync(SecurityEventTypes.PasswordChangeThrottled, user.Id, clientAddress, cancellationToken);
            throw ServiceException.ResourceExhausted(
                $"Too many wrong passwords; try again in {Math.Ceiling(wait.TotalSeconds)} seconds.", wait);
        }

        var (matches, _) = await passwords.VerifyAsync(user.PasswordHash, currentPassword, cancellationToken);
        if (!matches)
        {
            await throttle.RecordFailureAsync(user.NormalizedEmail, clientAddress);
            await securityEvents.RecordAsync(SecurityEventTypes.PasswordChangeFailed, user.Id, clientAddress, cancellationToken);
            throw ServiceException.InvalidArgument("current_password", "is incorrect");
        }

        await throttle.RecordSuccessAsync(user.NormalizedEmail);
    }

    private static string? PasswordAttemptViolation(string password) =>
        password.Length > MaxPasswordAttemptLength ? "is too long" : null;

    private async Task<(bool Matches, bool NeedsRehash)> VerifyNothingAsync(string password, CancellationToken cancellationToken)
    {
        await passwords.VerifyNothingAsync(password, cancellationToken);
        return (false, false);
    }

    private static string? NameViolation(string name) =>
        name.Trim().Length == 0 ? "is required" : RequestValidation.TextViolation(name.Trim(), MaxNameLength);

    private static ServiceException EmailTaken() =>
        new(ErrorKind.AlreadyExists, "An account with this email already exists.");
}
