using GoChatAi.ChatService.Application.Commands;
using GoChatAi.ServiceDefaults.Errors;
using Microsoft.Extensions.Options;

namespace GoChatAi.ChatService.Application;

public sealed record UsageReport(IReadOnlyList<UsageRow> Rows, DateOnly Start, DateOnly End, long TokenLimit, long TokensUsedToday, DateTimeOffset ResetsAt);

/// <summary>The caller's recorded token usage, read from the ledger (which outlives deleted conversations).</summary>
public sealed class UsageService(IUsageLedger ledger, IUsageLimiter limiter, IOptions<ChatOptions> options, TimeProvider timeProvider)
{
    public async Task<UsageReport> GetAsync(Guid userId, UsageQuery query, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var end = query.End ?? DateOnly.FromDateTime(now.UtcDateTime);
        var start = query.Start ?? end.AddDays(-29);
        new RequestValidation()
            .Require(start <= end, "start_date", "must not be after end_date")
            .Require(end.DayNumber - start.DayNumber <= 366, "end_date", "must be at most 366 days after start_date")
            .ThrowIfInvalid();

        var summed = await ledger.SummarizeAsync(userId, start, end, query.ConversationId, cancellationToken);
        IReadOnlyList<UsageRow> rows = [.. summed.OrderBy(r => r.Day).ThenBy(r => r.Model, StringComparer.Ordinal)];

        var used = await limiter.TokensUsedTodayAsync(userId);
        return new UsageReport(rows, start, end, options.Value.TokensPerDay, used, UtcDay.NextMidnight(now));
    }
}
