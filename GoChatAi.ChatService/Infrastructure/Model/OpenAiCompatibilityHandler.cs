using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace GoChatAi.ChatService.Infrastructure.Model;

/// <summary>
/// Smooths over the ways OpenAI-compatible servers differ from OpenAI, below the SDK:
/// <list type="bullet">
/// <item>A server that refuses <c>stream_options</c> (400 <c>unknown_parameter</c>, as older Azure API versions do) gets
/// the request again without it; the service then counts the tokens itself.</item>
/// <item>A streamed chunk with <c>"choices":null</c> (vLLM's usage chunk) reaches the SDK as <c>"choices":[]</c>,
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

    /// <summary>
    /// Passes an event stream through as it comes, with <c>"choices":null</c> turned into <c>"choices":[]  </c> in
    /// place (the same length: JSON does not mind the spaces), so that nothing is decoded or copied line by line.
    /// Bytes at the end of a read that could begin a match wait for the next read, in case it is cut between the two.
    /// </summary>
    private sealed class NullChoicesFixingStream(Stream inner) : Stream
    {
        private static ReadOnlySpan<byte> NullChoices => "\"choices\":null"u8;

        private static ReadOnlySpan<byte> EmptyChoices => "[]  "u8;

        // One read's worth: a streamed chunk is a few hundred bytes. The buffer lives as long as its answer streams, so
        // it is small: at 16 KiB it was the largest single thing each of 3,000 open streams held in a heap dump.
        private readonly byte[] _buffer = new byte[1024];
        private int _start;
        private int _ready;
        private int _end;
        private bool _ended;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (_ready == _start)
            {
                if (_ended)
                {
                    if (_end == _start)
                    {
                        return 0;
                    }

                    _ready = _end;
                    break;
                }

                // What is left is the unchecked tail of the last read: it goes to the front, more is read after it.
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                (_end, _start, _ready) = (_end - _start, 0, 0);
                var read = await inner.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
                if (read == 0)
                {
                    _ended = true;
                    continue;
                }

                _end += read;
                var unread = _buffer.AsSpan(0, _end);
                for (var at = unread.IndexOf(NullChoices); at >= 0; at = unread.IndexOf(NullChoices))
                {
                    EmptyChoices.CopyTo(unread[(at + NullChoices.Length - 4)..]);
                    unread = unread[(at + NullChoices.Length)..];
                }

                _ready = _end - PartialMatchAtEnd(_buffer.AsSpan(0, _end));
            }

            var count = Math.Min(buffer.Length, _ready - _start);
            _buffer.AsSpan(_start, count).CopyTo(buffer.Span);
            _start += count;
            return count;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

        /// <summary>
        /// How many bytes at the end could begin a match that the next read completes: only those wait (usually none,
        /// as an event ends with a blank line), so that what arrived before a broken connection is never held back.
        /// </summary>
        private static int PartialMatchAtEnd(ReadOnlySpan<byte> bytes)
        {
            for (var length = Math.Min(bytes.Length, NullChoices.Length - 1); length > 0; length--)
            {
                if (bytes[^length..].SequenceEqual(NullChoices[..length]))
                {
                    return length;
                }
            }

            return 0;
        }

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
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
