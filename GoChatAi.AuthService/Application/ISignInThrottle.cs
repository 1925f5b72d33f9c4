namespace GoChatAi.AuthService.Application;

/// <summary>
/// Counts failed password checks per account and per client address; past a threshold every attempt is refused
/// until its window ends.
/// </summary>
public interface ISignInThrottle
{
    /// <summary>How long the caller must wait, or null when it may try.</summary>
    Task<TimeSpan?> RetryAfterAsync(string normalizedEmail, string? clientAddress);

    Task RecordFailureAsync(string normalizedEmail, string? clientAddress);

    /// <summary>A right password clears its account's count (not its client's: one good password must not launder an address).</summary>
    Task RecordSuccessAsync(string normalizedEmail);
}
