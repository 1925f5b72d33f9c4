using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace GoChatAi.Benchmarks;

/// <summary>
/// One streamed <c>chat.completions</c> request in OpenAI's wire format over HTTP/1.1, its Server-Sent Events read
/// line by line, as the ChatService's OpenAI SDK sends it: to the stand-in model directly (the baseline the
/// ChatService's added latency is measured against), or to the ChatService's own OpenAI-compatible endpoint.
/// </summary>
public sealed class ChatCompletionsClient : IDisposable
{
    private readonly HttpClient _http;

    public ChatCompletionsClient(Uri address, string? key)
    {
        _http = new HttpClient { BaseAddress = address, Timeout = Timeout.InfiniteTimeSpan };
        if (key is not null)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
    }

    /// <summary>Fails with what to do when the stand-in does not answer or refuses the key.</summary>
    public async Task CheckAccessAsync(CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await _http.GetAsync(new Uri("v1/models", UriKind.Relative), cancellationToken);
        }
        catch (HttpRequestException exception)
        {
            throw new BenchmarkSetupException(
                $"Nothing answers at {_http.BaseAddress} ({exception.Message}): give the stand-in model's address with --devmodel.");
        }

        using (response)
        {
            if (response.StatusCode == HttpStatusCode.Unauthorized)
            {
                throw new BenchmarkSetupException(
                    $"The stand-in model at {_http.BaseAddress} refuses the key: give the AppHost's devmodel-key with --devmodel-key (see --help).");
            }

            response.EnsureSuccessStatusCode();
        }
    }

    /// <summary>Streams one answer and times its first and last content delta; anything but a whole answer fails.</summary>
    public async Task<StreamTiming> StreamAsync(string model, string message, int maxTokens, int expectedTokens, CancellationToken cancellationToken)
    {
        // What the OpenAI SDK sends for the ChatService: the model, the one message, usage in the last chunk, the budget.
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("v1/chat/completions", UriKind.Relative))
        {
            Content = JsonContent.Create(new
            {
                model,
                messages = new[] { new { role = "user", content = message } },
                stream = true,
                stream_options = new { include_usage = true },
                max_completion_tokens = maxTokens,
            }),
        };

        var started = Stopwatch.GetTimestamp();
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var reader = new StreamReader(body, Encoding.UTF8);

        TimeSpan? first = null;
        var last = TimeSpan.Zero;
        var deltas = 0;
        string? finishReason = null;
        var done = false;
        var data = new StringBuilder();
        while (!done && await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                data.Append(data.Length > 0 ? "\n" : "").Append(line.AsSpan(line.StartsWith("data: ", StringComparison.Ordinal) ? 6 : 5));
                continue;
            }

            // A blank line ends an event; comment lines (": keep-alive") and other fields are not data.
            if (line.Length > 0 || data.Length == 0)
            {
                continue;
            }

            var payload = data.ToString();
            data.Clear();
            if (payload == "[DONE]")
            {
                done = true;
                continue;
            }

            using var chunk = JsonDocument.Parse(payload);
            if (chunk.RootElement.TryGetProperty("error", out var error))
            {
                throw new InvalidOperationException($"An error came mid-stream: {error}");
            }

            if (chunk.RootElement.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array && choices.GetArrayLength() > 0)
            {
                var choice = choices[0];
                if (choice.TryGetProperty("delta", out var delta) && delta.TryGetProperty("content", out var content)
                    && content.ValueKind == JsonValueKind.String && content.GetString()!.Length > 0)
                {
                    last = Stopwatch.GetElapsedTime(started);
                    first ??= last;
                    deltas++;
                }

                if (choice.TryGetProperty("finish_reason", out var finish) && finish.ValueKind == JsonValueKind.String)
                {
                    finishReason = finish.GetString();
                }
            }
        }

        if (!done || finishReason != "stop" || deltas != expectedTokens || first is null)
        {
            throw new InvalidOperationException(
                $"The answer was not whole: [DONE] {(done ? "seen" : "missing")}, finish_reason {finishReason ?? "none"}, {deltas} of {expectedTokens} deltas.");
        }

        return new StreamTiming(first.Value, last);
    }

    public void Dispose() => _http.Dispose();
}
