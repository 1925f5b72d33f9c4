using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace GoChatAi.AuthService.Application;

/// <summary>The AuthService's settings (section "Auth"), validated at start-up.</summary>
public sealed class AuthOptions
{
    public const string SectionName = "Auth";

    /// <summary>Shortest password, in code points: 15 for a single-factor password (NIST SP 800-63B-4), never below 8.</summary>
    [Range(8, 64)]
    public int PasswordMinLength { get; set; } = 15;

    [Range(64, 128)]
    public int PasswordMaxLength { get; set; } = 128;

    /// <summary>PBKDF2-HMAC-SHA512 iterations: at least ASVS 5.0's 210,000. Older hashes are upgraded at sign-in.</summary>
    [Range(210_000, 10_000_000)]
    public int PasswordHashIterations { get; set; } = 210_000;

    /// <summary>How long an unused refresh token stays valid (each refresh starts it anew).</summary>
    [Range(typeof(TimeSpan), "00:05:00", "90.00:00:00")]
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(14);

    /// <summary>How long a session lasts at most, however often it refreshes.</summary>
    [Range(typeof(TimeSpan), "00:05:00", "365.00:00:00")]
    public TimeSpan SessionAbsoluteLifetime { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// A refresh token presented again within this window after its first use is taken as a benign race (two
    /// tabs refreshing at once): refused, but the session is not revoked. Later, it is a replay.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:30")]
    public TimeSpan RefreshRaceWindow { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Password that encrypts the signing keys at rest; the same on every replica. A secret.</summary>
    [Required, MinLength(16)]
    public string SigningKeyPassword { get; set; } = "";

    /// <summary>How long a signing key signs before the next one takes over.</summary>
    [Range(typeof(TimeSpan), "01:00:00", "365.00:00:00")]
    public TimeSpan SigningKeyRotation { get; set; } = TimeSpan.FromDays(90);

    /// <summary>How long before it signs a new key is published in the JWKS.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan SigningKeyPublishLead { get; set; } = TimeSpan.FromDays(1);

    // Nested sections are validated with their parent only when marked so.
    [ValidateObjectMembers]
    public SignInThrottleOptions Throttle { get; set; } = new();

    [ValidateObjectMembers]
    public ApiKeyOptions ApiKeys { get; set; } = new();

    /// <summary>The first administrator, created at start-up when both are set.</summary>
    public AdminAccountOptions Admin { get; set; } = new();
}

public sealed class SignInThrottleOptions
{
    /// <summary>Failed sign-ins of one account, within the window, before it is throttled.</summary>
    [Range(1, 1000)]
    public int MaxFailuresPerAccount { get; set; } = 5;

    /// <summary>Failed sign-ins from one client address, within the window, before it is throttled.</summary>
    [Range(1, 100_000)]
    public int MaxFailuresPerClient { get; set; } = 50;

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(15);
}

/// <summary>Personal API keys: how long they live and how many a user may hold.</summary>
public sealed class ApiKeyOptions : IValidatableObject
{
    /// <summary>How long a key lives when its creator does not say.</summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "3650.00:00:00")]
    public TimeSpan DefaultLifetime { get; set; } = TimeSpan.FromDays(90);

    /// <summary>How long a key may live at most: every key expires.</summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "3650.00:00:00")]
    public TimeSpan MaxLifetime { get; set; } = TimeSpan.FromDays(365);

    /// <summary>Usable keys a user may hold at once.</summary>
    [Range(1, 1000)]
    public int MaxPerUser { get; set; } = 50;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (DefaultLifetime > MaxLifetime)
        {
            yield return new ValidationResult("DefaultLifetime must not be longer than MaxLifetime.", [nameof(DefaultLifetime)]);
        }
    }
}

public sealed class AdminAccountOptions
{
    public string? Email { get; set; }

    public string? Password { get; set; }

    public string Name { get; set; } = "Administrator";
}
