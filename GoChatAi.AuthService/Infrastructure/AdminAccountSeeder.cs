using GoChatAi.AuthService.Application;
using GoChatAi.AuthService.Domain;
using GoChatAi.ServiceDefaults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GoChatAi.AuthService.Infrastructure;

/// <summary>
/// The first administrator, from configuration (an AppHost secret parameter): created when no account has its
/// email, promoted to admin when one does. Never a password written in code.
/// </summary>
public sealed partial class AdminAccountSeeder(
    IPasswordHasher passwords,
    PasswordPolicy passwordPolicy,
    IOptions<AuthOptions> options,
    TimeProvider timeProvider,
    ILogger<AdminAccountSeeder> logger) : IDatabaseSeeder<AuthDbContext>
{
    public async Task SeedAsync(AuthDbContext db, CancellationToken cancellationToken)
    {
        var admin = options.Value.Admin;
        if (string.IsNullOrWhiteSpace(admin.Email) || string.IsNullOrEmpty(admin.Password))
        {
            return;
        }

        if (EmailAddress.Validate(admin.Email) is not null || passwordPolicy.Validate(admin.Password) is not null)
        {
            throw new OptionsValidationException(AuthOptions.SectionName, typeof(AuthOptions),
                ["Auth:Admin:Email must be an email address and Auth:Admin:Password must satisfy the password policy."]);
        }

        var address = EmailAddress.Parse(admin.Email);
        var user = await db.Users.SingleOrDefaultAsync(u => u.NormalizedEmail == address.Normalized, cancellationToken);
        if (user is null)
        {
            var now = timeProvider.GetUtcNowForStorage();
            var created = User.Create(address, admin.Name, await passwords.HashAsync(admin.Password, cancellationToken), now);
            created.GrantAdmin();
            db.Users.Add(created);
            LogAdminCreated(logger);
        }
        else if (!user.IsAdmin)
        {
            user.GrantAdmin();
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "The configured administrator account was created")]
    private static partial void LogAdminCreated(ILogger logger);
}
