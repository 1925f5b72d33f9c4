namespace GoChatAi.ChatService.Application;

/// <summary>Whether the conversation store can be used: its tables exist (the migrations are applied).</summary>
public interface IStoreReadiness
{
    Task WhenReadyAsync(CancellationToken cancellationToken);
}
