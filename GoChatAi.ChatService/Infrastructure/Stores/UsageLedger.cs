using GoChatAi.ChatService.Application;
using GoChatAi.ChatService.Domain;
using Microsoft.EntityFrameworkCore;

namespace GoChatAi.ChatService.Infrastructure.Stores;

/// <summary>The usage ledger in PostgreSQL (table <c>usage_ledger</c>), summed by the database.</summary>
public sealed class UsageLedger(IDbContextFactory<ChatDbContext> contexts) : IUsageLedger
{
    public async Task RecordAsync(UsageRecord usage, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        db.Usage.Add(usage);
        await db.SaveChangesAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<UsageRow>> SummarizeAsync(
        Guid userId, DateOnly firstDay, DateOnly lastDay, Guid? conversationId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var query = db.Usage.AsNoTracking().Where(u => u.UserId == userId && u.Day >= firstDay && u.Day <= lastDay);
        if (conversationId is { } id)
        {
            query = query.Where(u => u.ConversationId == id);
        }

        return await query
            .GroupBy(u => new { u.Day, u.Model })
            .Select(g => new UsageRow(g.Key.Day, g.Key.Model, g.Sum(u => (long)u.PromptTokens), g.Sum(u => (long)u.CompletionTokens), g.LongCount()))
            .ToListAsync(cancellationToken);
    }
}
