using System.Globalization;
using GoChatAi.ChatService.Infrastructure;
using GoChatAi.ChatService.Infrastructure.Redis;
using GoChatAi.ServiceDefaults.Errors;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GoChatAi.ChatService.Application;

public sealed record UsageRow(DateOnly Day, string Model, long PromptTokens, long CompletionTokens, long Requests);

public sealed record UsageReport(IReadOnlyList<UsageRow> Rows, DateOnly Start, DateOnly End, long TokenLimit, long TokensUsedToday, DateTimeOffset ResetsAt);

/// <summary>The caller's recorded token usage, read from the ledger (which outlives deleted conversations).</summary>
public sealed class UsageService(ChatDbContext db, UsageLimiter limiter, IOptions<ChatOptions> options, TimeProvider timeProvider)
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

        var query = db.Usage.AsNoTracking().Where(u => u.UserId == userId && u.Day >= start && u.Day <= end);
        if (conversationId is not null)
        {
            var id = ChatValidation.ParseId(conversationId);
            query = query.Where(u => u.ConversationId == id);
        }

        var rows = await query
            .GroupBy(u => new { u.Day, u.Model })
            .Select(g => new UsageRow(g.Key.Day, g.Key.Model, g.Sum(u => (long)u.PromptTokens), g.Sum(u => (long)u.CompletionTokens), g.LongCount()))
            .ToListAsync(cancellationToken);
        rows = [.. rows.OrderBy(r => r.Day).ThenBy(r => r.Model, StringComparer.Ordinal)];

        var used = await limiter.TokensUsedTodayAsync(userId);
        return new UsageReport(rows, start, end, options.Value.TokensPerDay, used, UsageLimiter.NextUtcMidnight(now));
    }

    /// <summary>No usage predates 1970; the floor also keeps "30 days before the end" a representable date.</summary>
    private static readonly DateOnly s_earliest = new(1970, 1, 1);

    private const string DateViolation = "must be a date from 1970-01-01 to 9999-12-31, as YYYY-MM-DD";

    private static bool TryDate(string text, out DateOnly date) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date) && date >= s_earliest;

    private static DateOnly Date(string text) => DateOnly.ParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture);
}
