using System.Text.RegularExpressions;

namespace GoChatAi.DevModel.Answers;

/// <summary>
/// How an answer is cut into deltas, each counted as one completion token. Every piece keeps the whitespace
/// before it, so the pieces concatenate to the text exactly.
/// </summary>
internal static partial class AnswerPieces
{
    /// <summary>One piece per word: the stand-in's text answers.</summary>
    public static IReadOnlyList<string> Words(string text) => [.. WordPattern().Matches(text).Select(match => match.Value)];

    /// <summary>
    /// About what a tokenizer makes of JSON: runs of letters and digits, and runs of punctuation, apart. A real
    /// model streams JSON in pieces like these, cut mid-string and between a key's quotes and its colon.
    /// </summary>
    public static IReadOnlyList<string> Tokens(string text) => [.. TokenPattern().Matches(text).Select(match => match.Value)];

    /// <summary>The pieces up to where the first of <paramref name="stopSequences"/> begins, if any occurs.</summary>
    public static IReadOnlyList<string> BeforeStop(IReadOnlyList<string> pieces, IReadOnlyList<string> stopSequences, out bool stopped)
    {
        var text = string.Concat(pieces);
        var cut = stopSequences
            .Where(stop => stop.Length > 0)
            .Select(stop => text.IndexOf(stop, StringComparison.Ordinal))
            .Where(index => index >= 0)
            .DefaultIfEmpty(-1)
            .Min();
        stopped = cut >= 0;
        if (!stopped)
            return pieces;

        var kept = new List<string>();
        var length = 0;
        foreach (var piece in pieces)
        {
            if (length + piece.Length > cut)
            {
                // The piece the stop sequence starts in keeps what comes before it.
                if (cut > length)
                    kept.Add(piece[..(cut - length)]);
                break;
            }

            kept.Add(piece);
            length += piece.Length;
        }

        return kept;
    }

    // A word with the whitespace before it, and at the end of the text the whitespace after it too.
    [GeneratedRegex(@"\s*\S+(?:\s+$)?", RegexOptions.CultureInvariant)]
    private static partial Regex WordPattern();

    [GeneratedRegex(@"\s*(?:[\p{L}\p{N}_]+|[^\p{L}\p{N}_\s]+)(?:\s+$)?", RegexOptions.CultureInvariant)]
    private static partial Regex TokenPattern();
}
