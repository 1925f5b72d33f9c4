using GoChatAi.AuthService.Application;
using GoChatAi.AuthService.Domain;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace GoChatAi.AuthService.Infrastructure.Passwords;

/// <summary>
/// ASP.NET Core Identity's PBKDF2-HMAC-SHA512 hasher at the configured cost (at least 210,000 iterations), with at
/// most one hash per core at a time, so that a burst of sign-ins queues instead of starving every other request.
/// </summary>
public sealed class PasswordHashing : IDisposable
{
    private readonly PasswordHasher<User> _hasher;
    private readonly SemaphoreSlim _slots = new(Environment.ProcessorCount);
    private readonly Lazy<string> _dummyHash;

    public PasswordHashing(IOptions<AuthOptions> options)
    {
        _hasher = new PasswordHasher<User>(Options.Create(new PasswordHasherOptions
        {
            CompatibilityMode = PasswordHasherCompatibilityMode.IdentityV3,
            IterationCount = options.Value.PasswordHashIterations,
        }));
        // A hash of a password nobody knows, at today's cost: an unknown email is verified against it, so that its
        // answer costs as much as a wrong password's.
        _dummyHash = new Lazy<string>(() => _hasher.HashPassword(null!, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32))));
    }

    /// <summary>How many hash computations ran; lets tests prove that an unknown email costs a hash too.</summary>
    public long Computations => Interlocked.Read(ref _computations);

    private long _computations;

    public Task<string> HashAsync(string password, CancellationToken cancellationToken) =>
        RunAsync(() => _hasher.HashPassword(null!, PasswordPolicy.Normalize(password)), cancellationToken);

    /// <summary>Whether <paramref name="password"/> matches, and whether the stored hash should be remade at today's cost.</summary>
    public Task<(bool Matches, bool NeedsRehash)> VerifyAsync(string hash, string password, CancellationToken cancellationToken) =>
        RunAsync(() => _hasher.VerifyHashedPassword(null!, hash, PasswordPolicy.Normalize(password)) switch
        {
            PasswordVerificationResult.Success => (true, false),
            PasswordVerificationResult.SuccessRehashNeeded => (true, true),
            _ => (false, false),
        }, cancellationToken);

    /// <summary>Spends the cost of a verification on no account.</summary>
    public Task VerifyNothingAsync(string password, CancellationToken cancellationToken) =>
        VerifyAsync(_dummyHash.Value, password, cancellationToken);

    private async Task<T> RunAsync<T>(Func<T> work, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken);
        try
        {
            Interlocked.Increment(ref _computations);
            return work();
        }
        finally
        {
            _slots.Release();
        }
    }

    public void Dispose() => _slots.Dispose();
}
