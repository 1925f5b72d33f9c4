using System.Text.Json;
using System.Text.Json.Serialization;

namespace GoChatAi.DevModel.Journal;

/// <summary>
/// The last requests the stand-in served, oldest first, for tests to assert on (<c>GET /_devmodel/requests</c>):
/// that a cancelled generation really closed the HTTP connection to the model, and what a caller passed through
/// to the model (messages, tools, response format, sampling parameters).
/// </summary>
internal sealed class RequestJournal(int capacity, TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly LinkedList<JournalEntry> _entries = new();
    private long _sequence;

    /// <summary>Records a request as in progress at once, so a test sees a generation while it runs.</summary>
    public JournalRecorder Begin(string method, string path)
    {
        JournalEntry entry;
        lock (_lock)
        {
            // Numbered under the lock, so the list stays in sequence order and Replace can stop early.
            entry = new JournalEntry
            {
                Sequence = ++_sequence,
                StartedAt = time.GetUtcNow(),
                Method = method,
                Path = path,
            };
            _entries.AddLast(entry);
            while (_entries.Count > capacity)
                _entries.RemoveFirst();
        }

        return new JournalRecorder(this, entry);
    }

    public IReadOnlyList<JournalEntry> Snapshot(string? key)
    {
        lock (_lock)
        {
            return _entries
                .Where(entry => key is null || string.Equals(entry.Key, key, StringComparison.Ordinal))
                .ToList();
        }
    }

    public void Clear()
    {
        lock (_lock)
            _entries.Clear();
    }

    // Entries are immutable: an update swaps the node's value, so a snapshot being serialised never tears.
    internal void Replace(JournalEntry updated)
    {
        lock (_lock)
        {
            for (var node = _entries.Last; node is not null; node = node.Previous)
            {
                if (node.Value.Sequence == updated.Sequence)
                {
                    node.Value = updated;
                    return;
                }

                if (node.Value.Sequence < updated.Sequence)
                    return;
            }
        }
    }

    internal DateTimeOffset Now() => time.GetUtcNow();
}

/// <summary>One request's line in the journal, updated as the request goes on.</summary>
internal sealed class JournalRecorder(RequestJournal journal, JournalEntry entry)
{
    private JournalEntry _entry = entry;

    public JournalEntry Entry => _entry;

    public void Update(Func<JournalEntry, JournalEntry> change)
    {
        _entry = change(_entry);
        journal.Replace(_entry);
    }

    public void Complete(int? status, bool clientAborted) => Update(entry => entry with
    {
        EndedAt = journal.Now(),
        Status = status,
        InProgress = false,
        ClientAborted = clientAborted && !entry.ServerCut,
    });
}

/// <summary>What the journal shows of one request (camelCase JSON).</summary>
internal sealed record JournalEntry
{
    public long Sequence { get; init; }
    public DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset? EndedAt { get; init; }
    public string Method { get; init; } = "";
    public string Path { get; init; } = "";
    public string? Model { get; init; }
    public string? Key { get; init; }
    public bool Stream { get; init; }
    public bool IncludeUsage { get; init; }
    public string? Faults { get; init; }
    public int? Status { get; init; }
    public bool InProgress { get; init; } = true;

    /// <summary>The client closed the connection (or reset the stream) before the stand-in had finished.</summary>
    public bool ClientAborted { get; init; }

    /// <summary>The stand-in itself aborted the connection (<c>cut=N</c>).</summary>
    public bool ServerCut { get; init; }

    public int ContentDeltas { get; init; }
    public string? FinishReason { get; init; }
    public int? PromptTokens { get; init; }
    public int? CompletionTokens { get; init; }

    /// <summary>The calls the stand-in answered with; null when it answered with content.</summary>
    public IReadOnlyList<JournalToolCall>? AnswerToolCalls { get; init; }

    // What the request asked for, as it arrived; null where it did not say.

    /// <summary>The messages in order, each with its role; content cut at <see cref="JournalMessage.MaxContentLength"/> characters.</summary>
    public IReadOnlyList<JournalMessage>? Messages { get; init; }

    /// <summary>The names of the tools offered.</summary>
    public IReadOnlyList<string>? Tools { get; init; }

    /// <summary>tool_choice as sent: <c>"none"</c>, <c>"auto"</c>, <c>"required"</c> or <c>{"type":"function","function":{"name":...}}</c>.</summary>
    public JsonElement? ToolChoice { get; init; }

    public bool? ParallelToolCalls { get; init; }

    /// <summary>response_format's type: <c>text</c>, <c>json_object</c> or <c>json_schema</c>.</summary>
    public string? ResponseFormat { get; init; }

    /// <summary>The json_schema's name, for <c>json_schema</c>.</summary>
    public string? ResponseSchemaName { get; init; }

    public long? Seed { get; init; }

    /// <summary>The stop sequences, as a list whether they came as a string or an array.</summary>
    public IReadOnlyList<string>? Stop { get; init; }

    public double? Temperature { get; init; }
    public double? TopP { get; init; }
    public string? User { get; init; }
    public int? N { get; init; }
    public int? MaxTokens { get; init; }
    public int? MaxCompletionTokens { get; init; }
}

/// <summary>One message of a journalled request: its role, and what it carries (nulls left out).</summary>
internal sealed record JournalMessage(
    string? Role,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Content,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Name,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ToolCallId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<JournalToolCall>? ToolCalls)
{
    /// <summary>Enough for any assertion; the journal keeps a thousand requests, whatever their messages weigh.</summary>
    public const int MaxContentLength = 2000;
}

/// <summary>A tool call: of an assistant message sent back, or of the stand-in's answer. The arguments are the JSON text.</summary>
internal sealed record JournalToolCall(string? Id, string? Name, string? Arguments);
