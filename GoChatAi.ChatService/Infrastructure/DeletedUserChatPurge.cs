using GoChatAi.ChatService.Application;
using GoChatAi.ChatService.Application.Feeds;
using GoChatAi.ChatService.Application.Generations;
using GoChatAi.ServiceDefaults.Authentication;
using GoChatAi.ServiceDefaults.Errors;
using GoChatAi.ServiceDefaults.Operations;
using Microsoft.EntityFrameworkCore;
using StackExchange.Redis;

namespace GoChatAi.ChatService.Infrastructure;

/// <summary>
/// Deletes the chat data of users the AuthService has deleted. Every few seconds it takes the ids in the
/// <see cref="DeletedUsers"/> set, deletes each user's conversations (their messages cascade) and live feeds, and
/// only then removes the id from the set: a failure anywhere means another try, never a user forgotten.
/// </summary>
/// <remarks>
/// The usage ledger stays: it is the billing record of the tokens spent (user id, model, counts, day), holds nothing
/// the user wrote, and must not give a quota back. An answer still being generated is stopped first, as when the user
/// deletes a conversation, so that nothing writes into a conversation that is gone.
/// </remarks>
public sealed partial class DeletedUserChatPurge(
    IConnectionMultiplexer redis,
    IServiceScopeFactory scopeFactory,
    GenerationRunner generations,
    IConversationFeed feed,
    DatabaseReadiness<ChatDbContext> readiness,
    TimeProvider timeProvider,
    ILogger<DeletedUserChatPurge> logger) : BackgroundService
{
    /// <summary>How often the set is read: how long, at most, a deleted user's conversations outlive it.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(3);

    /// <summary>Conversations deleted per statement, so that a user with very many stays within the command timeout.</summary>
    private const int ConversationsPerDelete = 50;

    /// <summary>A failure shorter than 10 s (Redis still connecting at start-up, a blip) is not worth a warning.</summary>
    private readonly FailureStreak _failures = new(timeProvider, TimeSpan.FromSeconds(10));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The tables may not exist before the migrations are applied.
        await readiness.WhenReadyAsync(stoppingToken);
        using var timer = new PeriodicTimer(Interval, timeProvider);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await PurgeDeletedUsersAsync(stoppingToken);
                NoteSuccess();
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                NoteFailure(exception);
            }
        }
    }

    private async Task PurgeDeletedUsersAsync(CancellationToken cancellationToken)
    {
        var database = redis.GetDatabase();
        foreach (var member in await database.SetMembersAsync(DeletedUsers.RedisKey))
        {
            // A member that is no user id has nothing to delete.
            if (Guid.TryParse(member.ToString(), out var userId))
            {
                await PurgeUserAsync(userId, cancellationToken);
            }

            await database.SetRemoveAsync(DeletedUsers.RedisKey, member);
        }
    }

    private async Task PurgeUserAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ChatDbContext>();
        var conversationIds = await db.Conversations.Where(c => c.UserId == userId).Select(c => c.Id).ToListAsync(cancellationToken);
        foreach (var batch in conversationIds.Chunk(ConversationsPerDelete))
        {
            // Feeds before rows: should the delete fail, the next try still finds these conversations, feeds and all.
            foreach (var conversationId in batch)
            {
                await generations.CancelRunningInAsync(conversationId, cancellationToken);
                await feed.DeleteAsync(conversationId);
            }

            await db.Conversations.Where(c => batch.Contains(c.Id)).ExecuteDeleteAsync(cancellationToken);
        }

        if (conversationIds.Count > 0)
        {
            LogPurged(logger, userId, conversationIds.Count);
        }
    }

    private void NoteSuccess() => _failures.Succeeded(() => LogRecovered(logger));

    private void NoteFailure(Exception exception) =>
        _failures.Failed(exception, e => LogUnexpected(logger, e), (e, dependency) => LogFailing(logger, e, dependency));

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted the {Conversations} conversations of deleted user {UserId}")]
    private static partial void LogPurged(ILogger logger, Guid userId, int conversations);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deleting the chat data of deleted users fails ({Dependency}); trying again")]
    private static partial void LogFailing(ILogger logger, Exception exception, string dependency);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleting the chat data of deleted users works again")]
    private static partial void LogRecovered(ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "Deleting the chat data of deleted users failed unexpectedly")]
    private static partial void LogUnexpected(ILogger logger, Exception exception);
}
