namespace GoChatAi.ChatService.Application.Commands;

/// <summary>
/// Share a conversation up to <paramref name="MessageId"/> (null: its active leaf), until <paramref name="ExpiresAt"/>
/// (null: until revoked). Whether the expiry is in the future is the use case's to say: it depends on the time.
/// </summary>
public sealed record CreateShareLinkCommand(Guid ConversationId, Guid? MessageId, DateTimeOffset? ExpiresAt);
