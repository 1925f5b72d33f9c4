using GoChatAi.ChatService.Domain;

namespace GoChatAi.ChatService.Application;

public sealed record UsageRow(DateOnly Day, string Model, long PromptTokens, long CompletionTokens, long Requests);

/// <summary>The record of the tokens every answer used, which outlives deleted conversations.</summary>
public interface IUsageLedger
{
    /// <summary>The user's usage from <paramref name="firstDay"/> to <paramref name="lastDay"/> (UTC days), per day and model.</summary>
    /// <summary>Records what one answer used, at once.</summary>
    Task RecordAsync(UsageRecord usage, CancellationToken cancellationToken);

    Task<IReadOnlyList<UsageRow>> SummarizeAsync(Guid userId, DateOnly firstDay, DateOnly lastDay, Guid? conversationId, CancellationToken cancellationToken);
}
