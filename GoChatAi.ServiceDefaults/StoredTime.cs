namespace GoChatAi.ServiceDefaults;

/// <summary>Time as PostgreSQL keeps it.</summary>
public static class StoredTime
{
    /// <summary>
    /// Now, to the microsecond: PostgreSQL's timestamp precision, so that what an API returns at creation equals
    /// what it returns when read back later.
    /// </summary>
    public static DateTimeOffset GetUtcNowForStorage(this TimeProvider timeProvider) => timeProvider.GetUtcNow().ToStoredTime();

    /// <summary>A time as PostgreSQL keeps it: UTC, to the microsecond, so that what is read back equals what was stored.</summary>
    public static DateTimeOffset ToStoredTime(this DateTimeOffset time)
    {
        var utc = time.ToUniversalTime();
        return utc.AddTicks(-(utc.Ticks % TimeSpan.TicksPerMicrosecond));
    }
}
