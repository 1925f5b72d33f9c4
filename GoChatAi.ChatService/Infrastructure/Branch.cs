namespace GoChatAi.ChatService.Infrastructure;

/// <summary>
/// A branch of a conversation's tree as it is stored: a message that starts one (a first message, or a message
/// added beside another) and the messages that each follow the one before as its first follower. Every message is
/// on exactly one branch (the messages' <c>BranchId</c>), so that a path from a first message to a leaf is a few
/// runs of depths on a few branches, read by index ranges, never message by message.
/// </summary>
public sealed class Branch
{
    /// <summary>The id of the message that starts the branch.</summary>
    public Guid Id { get; init; }

    public Guid ConversationId { get; init; }

    /// <summary>The branch of the message the starting message follows; null for a branch of first messages.</summary>
    public Guid? ParentBranchId { get; init; }

    /// <summary>The depth of the message the starting message follows; -1 for a branch of first messages.</summary>
    public int ForkDepth { get; init; }
}
