namespace GoChatAi.ChatService.Application;

/// <summary>
/// Per-user limits counted across every replica: requests per minute and tokens per UTC day
/// (<see cref="ChatOptions"/>). Past a limit the caller gets RESOURCE_EXHAUSTED with the time until it resets; when
/// the counts cannot be reached, requests go through (availability over metering).
/// </summary>
public interface IUsageLimiter
{
    /// <summary>Counts one request and refuses it when the user is past this minute's limit.</summary>
    Task CountRequestAsync(Guid userId);

    /// <summary>
    /// Counts one request for an answer and refuses it past this minute's limit or today's tokens; says what is left
    /// (null when the counts cannot be read).
    /// </summary>
    Task<UsageAllowance?> AdmitAnswerAsync(Guid userId);

    /// <summary>The tokens the user has used today, by the fast count (0 when it cannot be read).</summary>
    Task<long> TokensUsedTodayAsync(Guid userId);

    /// <summary>Adds an answer's tokens to today's count.</summary>
    Task AddTokensAsync(Guid userId, long tokens);
}

/// <summary>What a user has left after a request was admitted, and when each limit's window starts again.</summary>
public sealed record UsageAllowance(
    int RequestsPerMinute, int RequestsLeft, TimeSpan RequestsResetIn,
    long TokensPerDay, long TokensLeft, TimeSpan TokensResetIn);
