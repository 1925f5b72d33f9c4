using System.Buffers;
using System.Text.Json;
using GoChatAi.ChatService.Application.Completions;
using GoChatAi.ServiceDefaults.Errors;
using Microsoft.Extensions.AI;

namespace GoChatAi.ChatService.Http.OpenAi;

/// <summary>
/// Answers in OpenAI's wire format: a <c>chat.completion</c> object, or a stream of <c>chat.completion.chunk</c>
/// events (a first <c>{"role":"assistant"}</c> delta, the content, indexed tool-call deltas, a finish chunk, with
/// <c>stream_options.include_usage</c> a last chunk with <c>choices: []</c> and the usage, then <c>data: [DONE]</c>).
/// </summary>
public sealed class ChatCompletionWriter(HttpResponse response, string id, long created, string model, bool includeUsage)
{
    private static ReadOnlySpan<byte> DataPrefix => "data: "u8;
    private static ReadOnlySpan<byte> EventEnd => "\n\n"u8;

    private readonly ArrayBufferWriter<byte> _buffer = new(1024);
    private int _toolCalls;

    public static async Task WriteCompletionAsync(HttpResponse response, string id, long created, string model, ChatResponse answer, CompletionUsage usage, CancellationToken cancellationToken)
    {
        response.ContentType = "application/json";
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            Header(json, id, "chat.completion", created, model);
            json.WriteStartArray("choices");
            json.WriteStartObject();
            json.WriteNumber("index", 0);
            json.WriteStartObject("message");
            json.WriteString("role", "assistant");
            var calls = answer.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().ToList();
            if (answer.Text.Length > 0 || calls.Count == 0)
            {
                json.WriteString("content", answer.Text);
            }
            else
            {
                json.WriteNull("content");
            }

            json.WriteNull("refusal");
            if (calls.Count > 0)
            {
                json.WriteStartArray("tool_calls");
                foreach (var call in calls)
                {
                    json.WriteStartObject();
                    json.WriteString("id", call.CallId);
                    json.WriteString("type", "function");
                    json.WriteStartObject("function");
                    json.WriteString("name", call.Name);
                    json.WriteString("arguments", Arguments(call));
                    json.WriteEndObject();
                    json.WriteEndObject();
                }

                json.WriteEndArray();
            }

            json.WriteEndObject();
            json.WriteNull("logprobs");
            json.WriteString("finish_reason", FinishReasonOf(answer.FinishReason, calls.Count > 0));
            json.WriteEndObject();
            json.WriteEndArray();
            Usage(json, usage);
            json.WriteEndObject();
        }

        await response.Body.WriteAsync(buffer.WrittenMemory, cancellationToken);
    }

    /// <summary>Sends the headers and the first delta, as OpenAI does before the model's first token.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        // Proxies that buffer (nginx) would hold the stream back.
        response.Headers["X-Accel-Buffering"] = "no";
        await WriteChunkAsync(json =>
        {
            json.WriteString("role", "assistant");
            json.WriteString("content", "");
        }, finishReason: null, cancellationToken);
    }

    /// <summary>Writes what an update of the model's answer holds: its text, and tool calls as OpenAI streams them.</summary>
    public async Task WriteAsync(ChatResponseUpdate update, CancellationToken cancellationToken)
    {
        var text = update.Text;
        if (text.Length > 0)
        {
            await WriteChunkAsync(json => json.WriteString("content", text), finishReason: null, cancellationToken);
        }

        foreach (var call in update.Contents.OfType<FunctionCallContent>())
        {
            var index = _toolCalls++;
            await WriteChunkAsync(json => ToolCallDelta(json, index, delta =>
            {
                delta.WriteString("id", call.CallId);
                delta.WriteString("type", "function");
                delta.WriteStartObject("function");
                delta.WriteString("name", call.Name);
                delta.WriteString("arguments", "");
                delta.WriteEndObject();
            }), finishReason: null, cancellationToken);
            // The arguments in pieces, as providers stream them.
            foreach (var piece in Pieces(Arguments(call), 32))
            {
                await WriteChunkAsync(json => ToolCallDelta(json, index, delta =>
                {
                    delta.WriteStartObject("function");
                    delta.WriteString("arguments", piece);
                    delta.WriteEndObject();
                }), finishReason: null, cancellationToken);
            }
        }
    }

    /// <summary>The finish chunk, the usage chunk when asked for, and <c>[DONE]</c>.</summary>
    public async Task EndAsync(ChatFinishReason? finishReason, CompletionUsage usage, CancellationToken cancellationToken)
    {
        await WriteChunkAsync(_ => { }, FinishReasonOf(finishReason, _toolCalls > 0), cancellationToken);
        if (includeUsage)
        {
            await WriteEventAsync(json =>
            {
                json.WriteStartObject();
                Header(json, id, "chat.completion.chunk", created, model);
                json.WriteStartArray("choices");
                json.WriteEndArray();
                Usage(json, usage);
                json.WriteEndObject();
            }, cancellationToken);
        }

        await response.Body.WriteAsync("data: [DONE]\n\n"u8.ToArray(), cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    /// <summary>A failure after the stream began: an error event, as OpenAI sends one, and the end.</summary>
    public Task FailAsync(ServiceException failure, CancellationToken cancellationToken) =>
        WriteEventAsync(json => OpenAiErrorFormat.Write(json, failure), cancellationToken);

    private Task WriteChunkAsync(Action<Utf8JsonWriter> delta, string? finishReason, CancellationToken cancellationToken) =>
        WriteEventAsync(json =>
        {
            json.WriteStartObject();
            Header(json, id, "chat.completion.chunk", created, model);
            json.WriteStartArray("choices");
            json.WriteStartObject();
            json.WriteNumber("index", 0);
            json.WriteStartObject("delta");
            delta(json);
            json.WriteEndObject();
            json.WriteNull("logprobs");
            if (finishReason is null)
            {
                json.WriteNull("finish_reason");
            }
            else
            {
                json.WriteString("finish_reason", finishReason);
            }

            json.WriteEndObject();
            json.WriteEndArray();
            if (includeUsage)
            {
                json.WriteNull("usage");
            }

            json.WriteEndObject();
        }, cancellationToken);

    private async Task WriteEventAsync(Action<Utf8JsonWriter> write, CancellationToken cancellationToken)
    {
        _buffer.ResetWrittenCount();
        _buffer.Write(DataPrefix);
        using (var json = new Utf8JsonWriter(_buffer))
        {
            write(json);
        }

        _buffer.Write(EventEnd);
        await response.Body.WriteAsync(_buffer.WrittenMemory, cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    private static void ToolCallDelta(Utf8JsonWriter json, int index, Action<Utf8JsonWriter> call)
    {
        json.WriteStartArray("tool_calls");
        json.WriteStartObject();
        json.WriteNumber("index", index);
        call(json);
        json.WriteEndObject();
        json.WriteEndArray();
    }

    private static void Header(Utf8JsonWriter json, string id, string type, long created, string model)
    {
        json.WriteString("id", id);
        json.WriteString("object", type);
        json.WriteNumber("created", created);
        json.WriteString("model", model);
        json.WriteNull("system_fingerprint");
    }

    private static void Usage(Utf8JsonWriter json, CompletionUsage usage)
    {
        json.WriteStartObject("usage");
        json.WriteNumber("prompt_tokens", usage.PromptTokens);
        json.WriteNumber("completion_tokens", usage.CompletionTokens);
        json.WriteNumber("total_tokens", usage.TotalTokens);
        json.WriteEndObject();
    }

    private static string Arguments(FunctionCallContent call) =>
        JsonSerializer.Serialize(call.Arguments ?? new Dictionary<string, object?>(), AIJsonUtilities.DefaultOptions);

    private static IEnumerable<string> Pieces(string text, int size)
    {
        for (var at = 0; at < text.Length; at += size)
        {
            yield return text.Substring(at, Math.Min(size, text.Length - at));
        }
    }

    private static string FinishReasonOf(ChatFinishReason? reason, bool calledTools) =>
        reason == ChatFinishReason.Length ? "length"
        : reason == ChatFinishReason.ContentFilter ? "content_filter"
        : reason == ChatFinishReason.ToolCalls || calledTools ? "tool_calls"
        : "stop";
}
