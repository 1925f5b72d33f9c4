namespace GoChatAi.ChatService.Domain;

/// <summary>Who wrote a message.</summary>
public enum MessageRole
{
    System = 1,
    User = 2,
    Assistant = 3,
}

/// <summary>Whether a message's content may still change.</summary>
public enum MessageStatus
{
    Generating = 1,
    Finished = 2,
}

/// <summary>Why an answer ended.</summary>
public enum FinishReason
{
    Stop = 1,
    Length = 2,
    ContentFilter = 3,
    Cancelled = 4,
    Incomplete = 5,
}

/// <summary>
/// Where a message sits in its conversation's tree: the message it follows (none for a first message) and how many
/// messages precede it on its path.
/// </summary>
public readonly record struct MessagePlace(Guid? ParentId, int Depth)
{
    /// <summary>The place of a first message: a new conversation's, or one beside another first message.</summary>
    public static MessagePlace First => new(null, 0);

    /// <summary>The place right after the message <paramref name="parentId"/>, which is at <paramref name="parentDepth"/>.</summary>
    public static MessagePlace After(Guid parentId, int parentDepth) => new(parentId, parentDepth + 1);
}

/// <summary>
/// One turn of a conversation. A conversation is a tree: every message follows a parent (the first none), and a
/// message with several followers is where the conversation branches (an answer regenerated, a message edited).
/// </summary>
public sealed class Message
{
    private const int NotPlaced = -1;

    public Guid Id { get; init; }

    public Guid ConversationId { get; init; }

    /// <summary>The message it follows; null for a first message.</summary>
    public Guid? ParentId { get; private set; }

    /// <summary>How many messages precede it on its path: 0 for a first message.</summary>
    public int Depth { get; private set; } = NotPlaced;

    /// <summary>Whether it has its place in the tree (a message is placed once, before or as it is stored).</summary>
    public bool IsPlaced => Depth != NotPlaced;

    /// <summary>Increasing in storing order across all conversations: the key of history pages (keyset paging).</summary>
    public long Position { get; init; }

    public MessageRole Role { get; init; }

    public string Content { get; private set; } = "";

    public MessageStatus Status { get; private set; } = MessageStatus.Finished;

    /// <summary>For a finished answer: why it ended.</summary>
    public FinishReason? FinishReason { get; private set; }

    /// <summary>For an answer: the model that wrote it.</summary>
    public string? Model { get; init; }

    public int? PromptTokens { get; private set; }

    public int? CompletionTokens { get; private set; }

    /// <summary>
    /// What the message takes in a model's context (its text's tokens and the chat format's overhead), kept so that
    /// a context is built without counting the whole history again. Null for messages stored before it was kept.
    /// </summary>
    public int? TokenCount { get; init; }

    /// <summary>For an answer: the generation that writes or wrote it; for a user message sent with ChatWithAI, the generation it started.</summary>
    public Guid? GenerationId { get; init; }

    /// <summary>When it was stored (for an answer: when its generation started).</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Puts the message in its conversation's tree. Once: a message never moves.</summary>
    public void Place(MessagePlace place)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(place.Depth);
        if (IsPlaced)
        {
            throw new InvalidOperationException($"Message {Id} is already placed; a message never moves.");
        }

        if ((place.ParentId is null) != (place.Depth == 0))
        {
            throw new ArgumentException("A first message, and only a first message, has no parent.", nameof(place));
        }

        ParentId = place.ParentId;
        Depth = place.Depth;
    }

    /// <summary>The place right after this message.</summary>
    public MessagePlace Next => IsPlaced ? MessagePlace.After(Id, Depth) : throw new InvalidOperationException($"Message {Id} is not placed yet.");

    /// <summary>A message a user wrote, final as it is stored.</summary>
    public static Message FromUser(Guid conversationId, string content, int tokenCount, Guid? generationId, DateTimeOffset now) => new()
    {
        Id = Guid.CreateVersion7(now),
        ConversationId = conversationId,
        Role = MessageRole.User,
        Content = content,
        TokenCount = tokenCount,
        GenerationId = generationId,
        CreatedAt = now,
    };

    /// <summary>
    /// An answer written before it reached this service (an earlier turn an OpenAI-API caller sent with its request),
    /// final as it is stored.
    /// </summary>
    public static Message FromAssistant(Guid conversationId, string content, string model, int tokenCount, DateTimeOffset now) => new()
    {
        Id = Guid.CreateVersion7(now),
        ConversationId = conversationId,
        Role = MessageRole.Assistant,
        Content = content,
        Model = model,
        TokenCount = tokenCount,
        FinishReason = Domain.FinishReason.Stop,
        CreatedAt = now,
    };

    /// <summary>
    /// A message brought in from an exported file (a GoChatAi export, ChatGPT's): final, with its author, text, model,
    /// usage and time as the file has them; placed by the import, which builds the tree.
    /// </summary>
    public static Message Imported(
        Guid id, Guid conversationId, MessageRole role, string content, string? model, FinishReason? finishReason,
        int? promptTokens, int? completionTokens, int tokenCount, DateTimeOffset createdAt) => new()
    {
        Id = id,
        ConversationId = conversationId,
        Role = role,
        Content = content,
        Model = role == MessageRole.Assistant ? model : null,
        FinishReason = role == MessageRole.Assistant ? finishReason ?? Domain.FinishReason.Stop : null,
        PromptTokens = promptTokens,
        CompletionTokens = completionTokens,
        TokenCount = tokenCount,
        CreatedAt = createdAt,
    };

    /// <summary>The answer a generation is about to write: empty, <see cref="MessageStatus.Generating"/>.</summary>
    public static Message AnswerToBe(Guid conversationId, string model, Guid generationId, DateTimeOffset now) => new()
    {
        Id = Guid.CreateVersion7(now),
        ConversationId = conversationId,
        Role = MessageRole.Assistant,
        Content = "",
        Status = MessageStatus.Generating,
        Model = model,
        GenerationId = generationId,
        CreatedAt = now,
    };

    /// <summary>
    /// Ends a generating answer with its text and why it ended, and the tokens it used when known. An answer ends
    /// once: a finished one (and a user's message, final from the start) cannot be finished again.
    /// </summary>
    public void Finish(string content, FinishReason reason, int? promptTokens, int? completionTokens)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (!Enum.IsDefined(reason))
        {
            throw new ArgumentOutOfRangeException(nameof(reason), reason, "Not a reason an answer ends for.");
        }

        if (Status != MessageStatus.Generating)
        {
            throw new InvalidOperationException($"Message {Id} is not being generated; it cannot be finished.");
        }

        Content = content;
        Status = MessageStatus.Finished;
        FinishReason = reason;
        PromptTokens = promptTokens;
        CompletionTokens = completionTokens;
    }

    /// <summary>Ends a generating answer its user stopped: the text written so far is kept, as cancelled.</summary>
    public void Cancel(string content, int? promptTokens, int? completionTokens) =>
        Finish(content, Domain.FinishReason.Cancelled, promptTokens, completionTokens);

    /// <summary>
    /// Ends a generating answer that broke off (the model or a dependency failed, or its server stopped): the text
    /// written so far is kept, as incomplete.
    /// </summary>
    public void EndIncomplete(string content, int? promptTokens, int? completionTokens) =>
        Finish(content, Domain.FinishReason.Incomplete, promptTokens, completionTokens);
}
