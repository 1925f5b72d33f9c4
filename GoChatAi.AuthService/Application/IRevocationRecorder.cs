namespace GoChatAi.AuthService.Application;

/// <summary>
/// The revocations (and user deletions) of one request: added to the pending changes, so that the save commits them
/// with the change that causes them, then published to the resource servers.
/// </summary>
public interface IRevocationRecorder
{
    /// <summary>Revokes one access token until it would have expired anyway.</summary>
    void RevokeToken(string tokenId, DateTimeOffset expiresAt);

    /// <summary>Revokes every access token of a session.</summary>
    void RevokeSession(Guid sessionId);

    /// <summary>Revokes every access token of a deleted user, and records the deletion for the services holding its data.</summary>
    void RecordUserDeleted(Guid userId);

    /// <summary>
    /// Publishes what the last save has just committed. Call it only after a successful save. Not cancellable: what
    /// is committed must reach the resource servers.
    /// </summary>
    Task PublishAsync();
}
