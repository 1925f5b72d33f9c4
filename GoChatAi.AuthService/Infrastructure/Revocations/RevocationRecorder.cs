using GoChatAi.AuthService.Application;
using GoChatAi.AuthService.Domain;
using GoChatAi.ServiceDefaults;
using GoChatAi.ServiceDefaults.Authentication;
using GoChatAi.ServiceDefaults.Errors;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace GoChatAi.AuthService.Infrastructure.Revocations;

/// <summary>
/// The revocations (and user deletions) of one request: added to the database with the change that causes them,
/// so that the caller's SaveChanges commits both or neither; then, once committed, published to Redis, where
/// every resource server reads them.
/// </summary>
/// <remarks>
/// The database is the source of truth and Redis a cache of it. If publishing fails after the commit, the
/// revocation still stands: the watcher re-applies the database's entries as soon as Redis answers, and while
/// Redis does not answer, resource servers refuse every token anyway (fail closed).
/// </remarks>
public sealed partial class RevocationRecorder(
    AuthDbContext db,
    TokenRevocationList revocationList,
    IConnectionMultiplexer redis,
    RevocationListWatcher watcher,
    IOptions<AccessTokenOptions> tokenOptions,
    TimeProvider timeProvider,
    ILogger<RevocationRecorder> logger) : IRevocationRecorder
{
    private readonly List<RevocationEntry> _entries = [];
    private readonly List<Guid> _deletedUsers = [];

    public void RevokeToken(string tokenId, DateTimeOffset expiresAt) =>
        Add(RevocationEntry.ForToken(tokenId, expiresAt));

    public void RevokeSession(Guid sessionId) =>
        Add(RevocationEntry.ForSession(sessionId.ToString(), timeProvider.GetUtcNow(), tokenOptions.Value.Lifetime));

    public void RecordUserDeleted(Guid userId)
    {
        var now = timeProvider.GetUtcNowForStorage();
        Add(RevocationEntry.ForUser(userId.ToString(), now, tokenOptions.Value.Lifetime));
        db.DeletedUsers.Add(new DeletedUser { UserId = userId, DeletedAt = now });
        _deletedUsers.Add(userId);
    }

    public async Task PublishAsync()
    {
        if (_entries.Count == 0 && _deletedUsers.Count == 0)
        {
            return;
        }

        try
        {
            await revocationList.ApplyAsync(_entries);
            await RevocationListWatcher.PublishDeletedUsersAsync(redis, _deletedUsers);
        }
        catch (Exception exception) when (DependencyFailure.Of(exception) is not null)
        {
            // Committed is done: the caller is told so, and the watcher makes Redis catch up.
            LogPublishFailed(logger, exception);
            watcher.RequestReapply();
        }
        finally
        {
            _entries.Clear();
            _deletedUsers.Clear();
        }
    }

    private void Add(RevocationEntry entry)
    {
        _entries.Add(entry);
        db.TokenRevocations.Add(new RevocationRecord
        {
            Key = entry.Key,
            Value = entry.Value,
            KeepUntil = entry.KeepUntil,
            CreatedAt = timeProvider.GetUtcNowForStorage(),
        });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A committed revocation could not be written to Redis; it is re-applied as soon as Redis answers")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception);
}
