using System.Text.Json;
using GoChatAi.DevModel.Answers;
using GoChatAi.DevModel.Faults;
using GoChatAi.DevModel.Journal;
using GoChatAi.DevModel.Protocol;
using GoChatAi.DevModel.Streaming;
using Microsoft.AspNetCore.Http.Features;

namespace GoChatAi.DevModel.Endpoints;

/// <summary>
/// Streams an answer as <c>chat.completion.chunk</c> events: an opening delta with the role, one delta per piece
/// of content or of a tool call, a finishing chunk, the usage chunk when asked for, then <c>data: [DONE]</c>; or
/// stops short as the faults say.
/// </summary>
internal static class ChatCompletionStreamer
{
    // Lets the last flushed deltas leave the socket before cut=N resets it, so the client gets exactly N.
    private static readonly TimeSpan s_graceBeforeCut = TimeSpan.FromMilliseconds(50);

    public static async Task StreamAsync(
        HttpContext context, CompletionPlan plan, JournalRecorder recorder, TimeProvider time, CancellationToken cancellationToken)
    {
        var faults = plan.Faults;
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await response.StartAsync(cancellationToken);

        var sse = new SseWriter(response.Body, new SseLayout(faults.Crlf == true, faults.Split == true, faults.Batch ?? 1), time);
        var keepAlive = faults.KeepAlive == true;
        if (keepAlive)
            await sse.WriteCommentAsync("keep-alive", cancellationToken);
        if (faults.PromptFilter == true)
            await sse.WriteEventAsync(JsonSerializer.SerializeToUtf8Bytes(AzurePromptFilterChunk.Safe, DevModelJsonContext.Wire.AzurePromptFilterChunk), cancellationToken);
        var opening = plan.Answer.CallsTools ? ChunkDelta.OpeningWithoutContent : ChunkDelta.Opening;
        await sse.WriteEventAsync(Chunk(plan, opening, finishReason: null), cancellationToken);

        var sent = 0;
        foreach (var delta in BodyDeltas(plan.Answer))
        {
            if (await StoppedShortAsync(context, sse, faults, sent, endOfAnswer: false, recorder, time, cancellationToken))
                return;
            if (faults.Slow is { } slow)
                await Task.Delay(slow, time, cancellationToken);
            if (keepAlive)
                await sse.WriteCommentAsync("keep-alive", cancellationToken);

            await sse.WriteEventAsync(Chunk(plan, delta, finishReason: null), cancellationToken);
            sent++;
            recorder.Update(entry => entry with { ContentDeltas = sent });
        }

        if (await StoppedShortAsync(context, sse, faults, sent, endOfAnswer: true, recorder, time, cancellationToken))
            return;

        var usage = Usage.Of(plan.PromptTokens, plan.Answer.CompletionTokens);
        var usageStyle = faults.Usage ?? UsageStyle.OpenAi;
        if (keepAlive)
            await sse.WriteCommentAsync("keep-alive", cancellationToken);
        await sse.WriteEventAsync(
            Chunk(plan, ChunkDelta.Empty, plan.Answer.FinishReason, usageStyle == UsageStyle.Final ? usage : null), cancellationToken);
        if (plan.IncludeUsage && usageStyle is UsageStyle.OpenAi or UsageStyle.Vllm)
        {
            // OpenAI sends "choices": [] here; vLLM-style servers send "choices": null.
            IReadOnlyList<ChunkChoice>? choices = usageStyle == UsageStyle.OpenAi ? [] : null;
            var usageChunk = new ChatCompletionChunk(
                plan.Id, "chat.completion.chunk", plan.Created, plan.Model, OpenAiResponses.SystemFingerprint, choices, usage);
            await sse.WriteEventAsync(JsonSerializer.SerializeToUtf8Bytes(usageChunk, DevModelJsonContext.Wire.ChatCompletionChunk), cancellationToken);
        }

        if (faults.NoDone != true)
            await sse.WriteDataAsync("[DONE]", cancellationToken);
        await sse.FlushAsync(cancellationToken);

        recorder.Update(entry => entry with
        {
            FinishReason = plan.Answer.FinishReason,
            PromptTokens = plan.PromptTokens,
            CompletionTokens = plan.Answer.CompletionTokens,
            AnswerToolCalls = JournalRequestFields.ToolCalls(plan.Answer),
        });
    }

    /// <summary>
    /// The deltas after the opening one: a content delta per piece; or per tool call, one that names it (id, type,
    /// name, <c>"arguments": ""</c>) and then one per piece of its arguments, as OpenAI streams them.
    /// </summary>
    private static IEnumerable<ChunkDelta> BodyDeltas(StandInAnswer answer)
    {
        foreach (var piece in answer.Deltas)
            yield return ChunkDelta.Of(piece);

        for (var index = 0; index < answer.ToolCalls.Count; index++)
        {
            var call = answer.ToolCalls[index];
            yield return ChunkDelta.Of(ToolCallDelta.Start(index, call.Id, call.Name));
            foreach (var piece in call.ArgumentPieces)
                yield return ChunkDelta.Of(ToolCallDelta.Arguments(index, piece));
        }
    }

    /// <summary>
    /// Applies cut=N, error=N and close=N once N deltas are out (or at the end, for an N past the answer's length).
    /// True when the stream has ended here.
    /// </summary>
    private static async Task<bool> StoppedShortAsync(
        HttpContext context, SseWriter sse, FaultDirective faults, int sent, bool endOfAnswer, JournalRecorder recorder, TimeProvider time,
        CancellationToken cancellationToken)
    {
        bool Reached(int? after) => after is int n && (endOfAnswer || sent >= n);

        if (Reached(faults.CutAfter))
        {
            await sse.FlushAsync(cancellationToken);
            await Task.Delay(s_graceBeforeCut, time, cancellationToken);
            recorder.Update(entry => entry with { ServerCut = true, FinishReason = null });
            context.Abort();
            return true;
        }

        if (Reached(faults.ErrorAfter))
        {
            // What OpenAI sends when generation fails after the 200 has gone out; no [DONE] follows.
            await sse.WriteEventAsync(
                JsonSerializer.SerializeToUtf8Bytes(new OpenAiErrorBody(OpenAiError.ServerError), DevModelJsonContext.Wire.OpenAiErrorBody),
                cancellationToken);
            await sse.FlushAsync(cancellationToken);
            return true;
        }

        if (Reached(faults.CloseAfter))
        {
            await sse.FlushAsync(cancellationToken);
            return true;
        }

        return false;
    }

    private static byte[] Chunk(CompletionPlan plan, ChunkDelta delta, string? finishReason, Usage? usage = null) =>
        JsonSerializer.SerializeToUtf8Bytes(
            new ChatCompletionChunk(
                plan.Id,
                "chat.completion.chunk",
                plan.Created,
                plan.Model,
                OpenAiResponses.SystemFingerprint,
                [new ChunkChoice(0, delta, null, finishReason)],
                usage),
            DevModelJsonContext.Wire.ChatCompletionChunk);
}
