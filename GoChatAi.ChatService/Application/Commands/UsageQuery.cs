namespace GoChatAi.ChatService.Application.Commands;

/// <summary>The caller's usage to report: UTC days (absent: the 30 days to today), of one conversation or all.</summary>
public sealed record UsageQuery(DateOnly? Start, DateOnly? End, Guid? ConversationId);
