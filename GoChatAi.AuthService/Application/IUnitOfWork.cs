namespace GoChatAi.AuthService.Application;

/// <summary>The changes of one request (to users, sessions, security events, revocations), stored together or not at all.</summary>
public interface IUnitOfWork
{
    /// <exception cref="DuplicateKeyException">A change collides with a stored row (two sign-ups with one address raced).</exception>
    Task SaveChangesAsync(CancellationToken cancellationToken);
}

/// <summary>A save refused because a unique key was taken meanwhile; the storage's own exception is the inner one.</summary>
public sealed class DuplicateKeyException(string message, Exception innerException) : Exception(message, innerException);
