using GoChatAi.AuthService.Application;
using GoChatAi.AuthService.Domain;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace GoChatAi.AuthService.Infrastructure.Passwords;

/// <summary>
/// ASP.NET Core Identity's PBKDF2-HMAC-SHA512 hasher at the configured cost (at least 210,000 iterations), with at
/// most one hash per core at a time, so that a burst of sign-ins queues instead of starving every other request.
/// </summary>
public sealed class PasswordHashing : IPasswordHasher, IDisposable
{
    private readonly PasswordHasher<User> _hasher;
    private readonly SemaphoreSlim _slots = new(Environment.ProcessorCount);
    private readonly Lazy<string> _dummyHash;

    private readonly AuthMetrics _metrics;

    public PasswordHashing(IOptions<AuthOptions> options, AuthMetrics metrics)
    {
        _metrics = metrics;
        _hasher = new PasswordHasher<User>(Options.Create(new PasswordHasherOptions
        {
            CompatibilityMode = PasswordHasherCompatibilityMode.IdentityV3,
            IterationCount = options.Value.PasswordHashIterations,
        }));
        // A hash of a password nobody knows, at today's cost: an unknown email is verified against it, so that its
        // answer costs as much as a wrong password's.
        _dummyHash = new Lazy<string>(() => _hasher.HashPassword(null!, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32))));
    }

    public Task<string> HashAsync(string password, CancellationToken cancellationToken) =>
        RunAsync("hash", () => _hasher.HashPassword(null!, PasswordPolicy.Normalize(password)), cancellationToken);

    public Task<(bool Matches, bool NeedsRehash)> VerifyAsync(string hash, string password, CancellationToken cancellationToken) =>
        RunAsync("verify", () => _hasher.VerifyHashedPassword(null!, hash, PasswordPolicy.Normalize(password)) switch
        {
            PasswordVerificationResult.Success => (true, false),
            PasswordVerificationResult.SuccessRehashNeeded => (true, true),
            _ => (false, false),
        }, cancellationToken);

    public Task VerifyNothingAsync(string password, CancellationToken cancellationToken) =>
        VerifyAsync(_dummyHash.Value, password, cancellationToken);

    private async Task<T> RunAsync<T>(string operation, Func<T> work, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken);
        try
        {
            // Counted, so that an operator (and a test) can see an unknown email cost a verification too.
            _metrics.PasswordHashed(operation);
            return work();
        }
        finally
        {
            _slots.Release();
        }
    }

    public void Dispose() => _slots.Dispose();
}
