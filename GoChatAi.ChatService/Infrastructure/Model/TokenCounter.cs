using GoChatAi.ChatService.Application;
using Microsoft.ML.Tokenizers;

namespace GoChatAi.ChatService.Infrastructure.Model;

/// <summary>
/// Counts tokens the way OpenAI's current models do (o200k_base, shipped in a package, so nothing is downloaded).
/// Other providers' tokenizers differ a little; the context budget keeps a margin for that.
/// </summary>
public sealed class TokenCounter : ITokenCounter
{
    private readonly Tokenizer _tokenizer = TiktokenTokenizer.CreateForEncoding("o200k_base");

    public int Count(string text) => text.Length == 0 ? 0 : _tokenizer.CountTokens(text);
}
