using Microsoft.ML.Tokenizers;

namespace GoChatAi.ChatService.Infrastructure.Model;

/// <summary>
/// Counts tokens the way OpenAI's current models do (o200k_base, shipped in a package, so nothing is downloaded).
/// Other providers' tokenizers differ a little; the context budget keeps a margin for that.
/// </summary>
public sealed class TokenCounter
{
    /// <summary>What the chat format adds around each message (role and separators), after OpenAI's cookbook.</summary>
    public const int PerMessageOverhead = 4;

    /// <summary>What the chat format adds once, to prime the answer.</summary>
    public const int PerRequestOverhead = 3;

    private readonly Tokenizer _tokenizer = TiktokenTokenizer.CreateForEncoding("o200k_base");

    public int Count(string text) => text.Length == 0 ? 0 : _tokenizer.CountTokens(text);

    /// <summary>The tokens a message takes in a prompt.</summary>
    public int CountMessage(string content) => Count(content) + PerMessageOverhead;
}
