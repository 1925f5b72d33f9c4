namespace GoChatAi.AuthService.Domain;

/// <summary>
/// An entry of the token revocation list as the database keeps it, written in the transaction of the change that
/// causes it: the source the list in Redis is rebuilt from when Redis loses it. Forgotten once no token it revokes
/// can still be accepted.
/// </summary>
public sealed class RevocationRecord
{
    public long Id { get; init; }

    /// <summary>The list's key: <c>jti:</c>, <c>sid:</c> or <c>sub:</c> and an id.</summary>
    public required string Key { get; init; }

    public required string Value { get; init; }

    public DateTimeOffset KeepUntil { get; init; }

    public DateTimeOffset CreatedAt { get; init; }
}
