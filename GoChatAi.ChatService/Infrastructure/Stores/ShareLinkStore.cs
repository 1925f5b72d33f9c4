using GoChatAi.ChatService.Application.Sharing;
using GoChatAi.ChatService.Domain;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace GoChatAi.ChatService.Infrastructure.Stores;

/// <summary>Share links in PostgreSQL (<c>share_links</c>), through EF Core: none of this is on a hot path.</summary>
public sealed class ShareLinkStore(IDbContextFactory<ChatDbContext> contexts) : IShareLinkStore
{
    public async Task<bool> AddAsync(ShareLink link, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        db.ShareLinks.Add(link);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException exception) when (exception.InnerException is PostgresException { SqlState: PostgresErrorCodes.ForeignKeyViolation })
        {
            // Its conversation was deleted meanwhile.
            return false;
        }
    }

    public Task<ShareLink?> FindAsync(string shareId, CancellationToken cancellationToken) =>
        contexts.RunAsync(db => db.ShareLinks.AsNoTracking().FirstOrDefaultAsync(l => l.Id == shareId, cancellationToken), cancellationToken);

    public async Task<IReadOnlyList<ShareLink>> ListOpenAsync(Guid userId, Guid? conversationId, DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        // ShareLink.IsOpenAt, as a query; the index (UserId, CreatedAt DESC) gives the order.
        var open = db.ShareLinks.AsNoTracking().Where(l => l.UserId == userId && (l.ExpiresAt == null || l.ExpiresAt > now));
        if (conversationId is { } only)
        {
            open = open.Where(l => l.ConversationId == only);
        }

        return await open.OrderByDescending(l => l.CreatedAt).ThenByDescending(l => l.Id).Take(limit).ToListAsync(cancellationToken);
    }

    public async Task<ShareLink?> DeleteAsync(Guid userId, string shareId, CancellationToken cancellationToken)
    {
        // One statement that deletes and says what it deleted (whether it was still open is the caller's rule).
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var deleted = await db.ShareLinks
            .FromSql($"""DELETE FROM share_links WHERE "Id" = {shareId} AND "UserId" = {userId} RETURNING *""")
            .AsNoTracking()
            .ToListAsync(cancellationToken);
        return deleted.SingleOrDefault();
    }
}
