namespace GoChatAi.ServiceDefaults;

/// <summary>Time as PostgreSQL keeps it.</summary>
public static class StoredTime
{
    /// <summary>
    /// Now, to the microsecond: PostgreSQL's timestamp precision, so that what an API returns at creation equals
    /// what it returns when read back later.
    /// </summary>
    public static DateTimeOffset GetUtcNowForStorage(this TimeProvider timeProvider)
    {
        var now = timeProvider.GetUtcNow();
        return now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMicrosecond));
    }
}
