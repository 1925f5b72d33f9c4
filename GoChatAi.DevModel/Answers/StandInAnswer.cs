namespace GoChatAi.DevModel.Answers;

/// <summary>
/// The stand-in's deterministic answer: content in pieces (words of text, or pieces of JSON), or tool calls with
/// their arguments in pieces. One piece is one streamed delta and one completion token, so tests can count both.
/// </summary>
internal sealed class StandInAnswer
{
    private StandInAnswer(IReadOnlyList<string> deltas, IReadOnlyList<PlannedToolCall> toolCalls, string finishReason, int completionTokens)
    {
        Deltas = deltas;
        ToolCalls = toolCalls;
        FinishReason = finishReason;
        CompletionTokens = completionTokens;
    }

    /// <summary>The content deltas, in order; they concatenate to <see cref="Text"/>. Empty when the answer calls tools.</summary>
    public IReadOnlyList<string> Deltas { get; }

    /// <summary>The tools called, in order; empty when the answer is content.</summary>
    public IReadOnlyList<PlannedToolCall> ToolCalls { get; }

    public bool CallsTools => ToolCalls.Count > 0;

    /// <summary>The content; null when the answer calls tools, as OpenAI's <c>"content": null</c>.</summary>
    public string? Text => CallsTools ? null : string.Concat(Deltas);

    public string FinishReason { get; }

    public int CompletionTokens { get; }

    /// <summary>
    /// A text answer: the statement's words, then the canned filler sentence as often as <paramref name="words"/>
    /// needs; cut before the first stop sequence (finish "stop"), then at the output limit (finish "length").
    /// </summary>
    /// <param name="statement">What the stand-in has to say, when no word count is asked for.</param>
    /// <param name="words">How many words to say (the directive's tokens=N); null for the statement alone.</param>
    /// <param name="stopSequences">The request's stop sequences.</param>
    /// <param name="outputLimit">The request's max_tokens: fewer words than that, and finish_reason "length".</param>
    /// <param name="finishOverride">A finish reason forced by the directive.</param>
    public static StandInAnswer Say(string statement, int? words, IReadOnlyList<string> stopSequences, int? outputLimit, string? finishOverride)
    {
        var pieces = AnswerPieces.Words(statement);
        if (words is int count)
            pieces = [.. pieces.Concat(Filler()).Take(count)];
        return Content(pieces, stopSequences, outputLimit, finishOverride);
    }

    /// <summary>A JSON answer, streamed in token-sized pieces; cut like text, which leaves it invalid, as a real model's would be.</summary>
    public static StandInAnswer Json(string json, IReadOnlyList<string> stopSequences, int? outputLimit, string? finishOverride) =>
        Content(AnswerPieces.Tokens(json), stopSequences, outputLimit, finishOverride);

    /// <summary>
    /// An answer that calls tools. Each call costs a completion token for its name and one per piece of its
    /// arguments; an output limit cuts the arguments short (finish "length"), as a real model's are cut.
    /// </summary>
    public static StandInAnswer Call(IReadOnlyList<PlannedToolCall> calls, int? outputLimit, string? finishOverride)
    {
        var budget = outputLimit ?? int.MaxValue;
        var made = new List<PlannedToolCall>();
        var tokens = 0;
        var cut = false;
        foreach (var call in calls)
        {
            if (tokens >= budget)
            {
                cut = true;
                break;
            }

            tokens++;
            var room = budget - tokens;
            if (call.ArgumentPieces.Count > room)
            {
                made.Add(call with { ArgumentPieces = [.. call.ArgumentPieces.Take(room)] });
                tokens += room;
                cut = true;
                break;
            }

            made.Add(call);
            tokens += call.ArgumentPieces.Count;
        }

        return new StandInAnswer([], made, finishOverride ?? (cut ? "length" : "tool_calls"), tokens);
    }

    private static StandInAnswer Content(IReadOnlyList<string> pieces, IReadOnlyList<string> stopSequences, int? outputLimit, string? finishOverride)
    {
        // A real model stops at whichever comes first: a stop sequence (finish "stop") or the limit (finish "length").
        pieces = AnswerPieces.BeforeStop(pieces, stopSequences, out _);
        var finishReason = "stop";
        if (outputLimit is int limit && limit < pieces.Count)
        {
            pieces = [.. pieces.Take(limit)];
            finishReason = "length";
        }

        return new StandInAnswer(pieces, [], finishOverride ?? finishReason, pieces.Count);
    }

    // The canned sentence, endlessly: any word count can be met.
    private static IEnumerable<string> Filler()
    {
        while (true)
        {
            foreach (var word in AnswerPieces.Words(" " + StandInStatements.Filler))
                yield return word;
        }
    }
}

/// <summary>A tool call the stand-in makes: its id, the function's name, and the arguments (a JSON object) in pieces.</summary>
internal sealed record PlannedToolCall(string Id, string Name, IReadOnlyList<string> ArgumentPieces)
{
    public string Arguments => string.Concat(ArgumentPieces);
}
