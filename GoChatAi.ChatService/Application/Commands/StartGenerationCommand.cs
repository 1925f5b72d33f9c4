using GoChatAi.ChatService.Domain;

namespace GoChatAi.ChatService.Application.Commands;

/// <summary>
/// What the caller asks of the model (ChatWithAI, StreamChat, RegenerateAnswer, EditMessage and their SSE
/// endpoints), parsed: what to answer, an allowed model or none (the conversation's), and the personal API key the
/// caller acts with, if any (its usage is recorded against it).
/// </summary>
public sealed record StartGenerationCommand(GenerationTarget Target, ChatModel? Model, double? Temperature, int? MaxTokens, Guid? ApiKeyId = null);

/// <summary>
/// What a generation answers, and where its messages go in the conversation's tree: in <see cref="ConversationId"/>
/// (null: a new conversation), by the message <see cref="AnchorId"/> that the context is read from.
/// </summary>
public abstract record GenerationTarget(Guid? ConversationId, Guid? AnchorId)
{
    /// <summary>
    /// A new message of the user's, within the length limit, and its answer: in a new conversation (no id), after the
    /// active leaf, or after <paramref name="ParentId"/>, a message of the conversation.
    /// </summary>
    public sealed record NewMessage(string Text, Guid? InConversation, Guid? ParentId) : GenerationTarget(InConversation, ParentId);

    /// <summary>A new version of the user's message <paramref name="MessageId"/>, beside it (the same parent), and its answer.</summary>
    public sealed record EditedMessage(Guid InConversation, Guid MessageId, string Text) : GenerationTarget(InConversation, MessageId);

    /// <summary>A new answer beside the answer <paramref name="MessageId"/> (to the message it answered), or to that message when it is a user's.</summary>
    public sealed record NewAnswer(Guid InConversation, Guid MessageId) : GenerationTarget(InConversation, MessageId);
}
