namespace GoChatAi.AuthService.Application;

/// <summary>The audit trail of what happened to accounts (types in <see cref="Domain.SecurityEventTypes"/>).</summary>
public interface ISecurityEventLog
{
    /// <summary>Adds the event to the pending changes: it is stored by the next save, atomically with what it records.</summary>
    void Add(string type, Guid? userId, string? clientAddress, string? detail = null);

    /// <summary>Records an event that has no other change to ride with.</summary>
    Task RecordAsync(string type, Guid? userId, string? clientAddress, CancellationToken cancellationToken, string? detail = null);
}
