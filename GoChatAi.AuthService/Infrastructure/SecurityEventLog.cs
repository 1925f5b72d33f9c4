using GoChatAi.AuthService.Application;
using GoChatAi.AuthService.Domain;
using GoChatAi.ServiceDefaults;

namespace GoChatAi.AuthService.Infrastructure;

/// <summary>Security events, written to the structured log at once and to the audit table with the change they belong to.</summary>
public sealed partial class SecurityEventLog(AuthDbContext db, TimeProvider timeProvider, ILogger<SecurityEventLog> logger) : ISecurityEventLog
{
    public void Add(string type, Guid? userId, string? clientAddress, string? detail = null)
    {
        LogSecurityEvent(logger, type, userId, clientAddress, detail);
        db.SecurityEvents.Add(new SecurityEvent
        {
            Type = type,
            UserId = userId,
            ClientAddress = clientAddress,
            Detail = detail,
            OccurredAt = timeProvider.GetUtcNowForStorage(),
        });
    }

    public async Task RecordAsync(string type, Guid? userId, string? clientAddress, CancellationToken cancellationToken, string? detail = null)
    {
        Add(type, userId, clientAddress, detail);
        await db.SaveChangesAsync(cancellationToken);
    }

    [LoggerMessage(EventId = 9000, Level = LogLevel.Information,
        Message = "Security event {SecurityEvent} for user {UserId} from {ClientAddress}: {Detail}")]
    private static partial void LogSecurityEvent(ILogger logger, string securityEvent, Guid? userId, string? clientAddress, string? detail);
}
