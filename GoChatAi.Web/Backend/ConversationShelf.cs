namespace GoChatAi.Web.Backend;

/// <summary>Where a conversation sits in the list.</summary>
public enum ConversationShelf
{
    Pinned,
    Recent,
    Archived,
}
