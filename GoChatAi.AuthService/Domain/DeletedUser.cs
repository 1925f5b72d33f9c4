namespace GoChatAi.AuthService.Domain;

/// <summary>
/// A deleted account, remembered for <see cref="RetentionPeriod"/> so that the other services are told to delete its
/// data even if they (or Redis, which carries the news) were down when it happened. Only the id: nothing personal.
/// </summary>
public sealed class DeletedUser
{
    /// <summary>Long enough to outlast any outage of a service that must delete a user's data.</summary>
    public static readonly TimeSpan RetentionPeriod = TimeSpan.FromDays(30);

    public Guid UserId { get; init; }

    public DateTimeOffset DeletedAt { get; init; }
}
