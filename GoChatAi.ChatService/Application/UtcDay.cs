namespace GoChatAi.ChatService.Application;

/// <summary>The UTC day that token quotas count by.</summary>
public static class UtcDay
{
    /// <summary>When the day of <paramref name="now"/> ends and a new quota begins.</summary>
    public static DateTimeOffset NextMidnight(DateTimeOffset now) => new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero).AddDays(1);
}
