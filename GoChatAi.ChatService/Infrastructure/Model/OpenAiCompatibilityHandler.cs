using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace GoChatAi.ChatService.Infrastructure.Model;

/// <summary>
/// Smooths over the ways OpenAI-compatible servers differ from OpenAI, below the SDK:
/// <list type="bullet">
/// <item>A server that refuses <c>stream_options</c> (400 <c>unknown_parameter</c>, as older Azure API versions do) gets
/// the request again without it; the service then counts the tokens itself.</item>
/// <item>A streamed chunk with <c>"choices": null</c> (vLLM's usage chunk) reaches the SDK as <c>"choices": []</c>,
/// which it can read.</item>
/// </list>
/// </summary>
public sealed class OpenAiCompatibilityHandler : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.BadRequest && request.Content is not null && await RefusesStreamOptionsAsync(response, cancellationToken))
        {
            var body = JsonNode.Parse(await request.Content.ReadAsStringAsync(cancellationToken));
            if (body is JsonObject json && json.Remove("stream_options"))
            {
                response.Dispose();
                using var retry = new HttpRequestMessage(request.Method, request.RequestUri)
                {
                    Content = new StringContent(json.ToJsonString(), Encoding.UTF8, "application/json"),
                    Version = request.Version,
                };
                foreach (var header in request.Headers)
                {
                    retry.Headers.TryAddWithoutValidation(header.Key, header.Value);
                }

                response = await base.SendAsync(retry, cancellationToken);
            }
        }

        if (response.Content.Headers.ContentType?.MediaType == "text/event-stream")
        {
            var content = new StreamContent(new NullChoicesFixingStream(await response.Content.ReadAsStreamAsync(cancellationToken)));
            foreach (var header in response.Content.Headers)
            {
                content.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }

            response.Content = content;
        }

        return response;
    }

    private static async Task<bool> RefusesStreamOptionsAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        return text.Contains("unknown_parameter", StringComparison.Ordinal) && text.Contains("stream_options", StringComparison.Ordinal);
    }

    /// <summary>Passes an event stream through line by line, turning <c>"choices":null</c> into <c>"choices":[]</c>.</summary>
    private sealed class NullChoicesFixingStream(Stream inner) : Stream
    {
        private readonly StreamReader _reader = new(inner, Encoding.UTF8);
        private byte[] _pending = [];
        private int _offset;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (_offset >= _pending.Length)
            {
                var line = await _reader.ReadLineAsync(cancellationToken);
                if (line is null)
                {
                    return 0;
                }

                if (line.StartsWith("data:", StringComparison.Ordinal) && line.Contains("\"choices\":null", StringComparison.Ordinal))
                {
                    line = line.Replace("\"choices\":null", "\"choices\":[]", StringComparison.Ordinal);
                }

                _pending = Encoding.UTF8.GetBytes(line + "\n");
                _offset = 0;
            }

            var count = Math.Min(buffer.Length, _pending.Length - _offset);
            _pending.AsMemory(_offset, count).CopyTo(buffer);
            _offset += count;
            return count;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _reader.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
