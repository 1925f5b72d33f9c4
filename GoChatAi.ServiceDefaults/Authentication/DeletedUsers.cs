namespace GoChatAi.ServiceDefaults.Authentication;

/// <summary>
/// Users the AuthService deleted whose data other services must still delete: a Redis set of user ids. The
/// AuthService adds an id once the deletion is committed (and again whenever it rebuilds the revocation list, for
/// deletions of the last 30 days); a service removes an id only once it has deleted that user's data. Deleting
/// twice must therefore change nothing.
/// </summary>
public static class DeletedUsers
{
    public const string RedisKey = "auth:deleted-users";
}
