namespace GoChatAi.AuthService.Application;

/// <summary>Hashes passwords and verifies them, at a deliberate cost.</summary>
public interface IPasswordHasher
{
    Task<string> HashAsync(string password, CancellationToken cancellationToken);

    /// <summary>Whether <paramref name="password"/> matches, and whether the stored hash should be remade at today's cost.</summary>
    Task<(bool Matches, bool NeedsRehash)> VerifyAsync(string hash, string password, CancellationToken cancellationToken);

    /// <summary>Spends the cost of a verification on no account, so that an unknown email costs as much as a wrong password.</summary>
    Task VerifyNothingAsync(string password, CancellationToken cancellationToken);
}
