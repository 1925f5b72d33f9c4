using GoChatAi.ChatService.Application;

namespace GoChatAi.ChatService.Infrastructure.Stores;

/// <summary>The chat database is ready once its migrations are applied.</summary>
public sealed class StoreReadiness(DatabaseReadiness<ChatDbContext> readiness) : IStoreReadiness
{
    public Task WhenReadyAsync(CancellationToken cancellationToken) => readiness.WhenReadyAsync(cancellationToken);
}
