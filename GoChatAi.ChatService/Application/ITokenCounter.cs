namespace GoChatAi.ChatService.Application;

/// <summary>Counts tokens as the models do, to budget a model's context window.</summary>
public interface ITokenCounter
{
    /// <summary>What the chat format adds around each message (role and separators), after OpenAI's cookbook.</summary>
    const int PerMessageOverhead = 4;

    /// <summary>What the chat format adds once, to prime the answer.</summary>
    const int PerRequestOverhead = 3;

    int Count(string text);

    /// <summary>The tokens a message takes in a prompt.</summary>
    int CountMessage(string content) => Count(content) + PerMessageOverhead;
}
