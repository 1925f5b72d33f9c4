namespace GoChatAi.ChatService.Domain;

/// <summary>A thread of messages between one user and the model, with its own settings.</summary>
public sealed class Conversation
{
    public const int MaxTitleLength = 200;
    public const int MaxSystemPromptLength = 16_000;
    public const int MaxImportedFromLength = 200;

    public Guid Id { get; init; }

    /// <summary>The owner: the <c>sub</c> of the access token that created it.</summary>
    public Guid UserId { get; init; }

    /// <summary>Empty until set, or until one is generated after the first answer.</summary>
    public string? Title { get; private set; }

    public string? SystemPrompt { get; private set; }

    /// <summary>The model that answers when a request names none.</summary>
    public string Model { get; private set; } = "";

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; private set; }

    // The message counters below are moved by the store with every message it adds, in the same round trip.
    public DateTimeOffset? LastMessageAt { get; private set; }

    /// <summary>The last message's time, else the creation's: what "most recent activity first" orders by.</summary>
    public DateTimeOffset LastActivityAt { get; private set; }

    /// <summary>Messages in all its branches.</summary>
    public int MessageCount { get; private set; }

    /// <summary>
    /// The last message of the active branch: what new messages follow and where the history shown ends; null while
    /// there is no message. Moved by the store with every message it adds, and by switching branches.
    /// </summary>
    public Guid? ActiveLeafId { get; private set; }

    /// <summary>Kept at hand by its owner.</summary>
    public bool IsPinned { get; private set; }

    /// <summary>Put away by its owner: listed only when asked for, otherwise whole.</summary>
    public bool IsArchived { get; private set; }

    /// <summary>
    /// For a conversation imported from a file, where it came from (such as <c>chatgpt:&lt;id&gt;</c>): a user holds at
    /// most one conversation per source, so that importing a file twice creates nothing new. Null otherwise.
    /// </summary>
    public string? ImportedFrom { get; init; }

    /// <summary>A new conversation without messages; an empty title or system prompt is none.</summary>
    public static Conversation Create(Guid id, Guid userId, string? title, string? systemPrompt, string model, DateTimeOffset now) => new()
    {
        Id = id,
        UserId = userId,
        Title = string.IsNullOrEmpty(title) ? null : title,
        SystemPrompt = string.IsNullOrEmpty(systemPrompt) ? null : systemPrompt,
        Model = model,
        CreatedAt = now,
        UpdatedAt = now,
        LastActivityAt = now,
    };

    /// <summary>
    /// A conversation brought in from an exported file, with its settings and times as the file has them and where it
    /// came from (<see cref="ImportedFrom"/>); its messages and counters are stored with it.
    /// </summary>
    public static Conversation Imported(
        Guid id, Guid userId, string? title, string? systemPrompt, string model, DateTimeOffset createdAt, DateTimeOffset updatedAt,
        bool pinned, bool archived, string importedFrom) => new()
    {
        Id = id,
        UserId = userId,
        Title = string.IsNullOrEmpty(title) ? null : title,
        SystemPrompt = string.IsNullOrEmpty(systemPrompt) ? null : systemPrompt,
        Model = model,
        CreatedAt = createdAt,
        UpdatedAt = updatedAt,
        LastActivityAt = createdAt,
        IsPinned = pinned,
        IsArchived = archived,
        ImportedFrom = importedFrom,
    };

    /// <summary>Changes its settings: a null one stays as it is, an empty system prompt is removed.</summary>
    public void Change(string? title, string? systemPrompt, string? model, DateTimeOffset now, bool? pinned = null, bool? archived = null)
    {
        IsPinned = pinned ?? IsPinned;
        IsArchived = archived ?? IsArchived;
        if (title is not null)
        {
            Title = title;
        }

        if (systemPrompt is not null)
        {
            SystemPrompt = systemPrompt.Length == 0 ? null : systemPrompt;
        }

        if (model is not null)
        {
            Model = model;
        }

        UpdatedAt = now;
    }
}
