using System.Globalization;
using GoChatAi.ServiceDefaults.Errors;
using Microsoft.Extensions.Options;

namespace GoChatAi.ChatService.Application;

public sealed record UsageReport(IReadOnlyList<UsageRow> Rows, DateOnly Start, DateOnly End, long TokenLimit, long TokensUsedToday, DateTimeOffset ResetsAt);

/// <summary>The caller's recorded token usage, read from the ledger (which outlives deleted conversations).</summary>
public sealed class UsageService(IUsageLedger ledger, IUsageLimiter limiter, IOptions<ChatOptions> options, TimeProvider timeProvider)
{
    public async Task<UsageReport> GetAsync(Guid userId, string? startDate, string? endDate, string? conversationId, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var check = new RequestValidation()
            .Check("start_date", startDate is null || TryDate(startDate, out _) ? null : DateViolation)
            .Check("end_date", endDate is null || TryDate(endDate, out _) ? null : DateViolation)
            .Check("conversation_id", conversationId is null ? null : ChatValidation.IdViolation(conversationId));
        check.ThrowIfInvalid();

        var end = endDate is null ? today : Date(endDate);
        var start = startDate is null ? end.AddDays(-29) : Date(startDate);
        check
            .Require(start <= end, "start_date", "must not be after end_date")
            .Require(end.DayNumber - start.DayNumber <= 366, "end_date", "must be at most 366 days after start_date")
            .ThrowIfInvalid();

        var summed = await ledger.SummarizeAsync(userId, start, end,
            conversationId is null ? null : ChatValidation.ParseId(conversationId), cancellationToken);
        IReadOnlyList<UsageRow> rows = [.. summed.OrderBy(r => r.Day).ThenBy(r => r.Model, StringComparer.Ordinal)];

        var used = await limiter.TokensUsedTodayAsync(userId);
        return new UsageReport(rows, start, end, options.Value.TokensPerDay, used, UtcDay.NextMidnight(now));
    }

    /// <summary>No usage predates 1970; the floor also keeps "30 days before the end" a representable date.</summary>
    private static readonly DateOnly s_earliest = new(1970, 1, 1);

    private const string DateViolation = "must be a date from 1970-01-01 to 9999-12-31, as YYYY-MM-DD";

    private static bool TryDate(string text, out DateOnly date) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date) && date >= s_earliest;

    private static DateOnly Date(string text) => DateOnly.ParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture);
}
