using System.Text;

namespace GoChatAi.DevModel.Streaming;

/// <summary>How the event stream is laid out on the wire: line ends, and how events map onto writes.</summary>
/// <param name="Crlf">CRLF instead of LF line ends.</param>
/// <param name="Split">Each write goes out in pieces, flushed apart, cut mid-JSON and between the two line ends.</param>
/// <param name="EventsPerWrite">How many events (and comments) are gathered into one write.</param>
internal sealed record SseLayout(bool Crlf, bool Split, int EventsPerWrite)
{
    public static SseLayout Plain { get; } = new(false, false, 1);
}

/// <summary>
/// Writes Server-Sent Events the way different servers put them on the wire, so that a client's SSE parser
/// meets what it will meet in production: one event per flush, several per write, one split across writes.
/// </summary>
internal sealed class SseWriter(Stream body, SseLayout layout, TimeProvider time)
{
    // Long enough for the client to read the first piece alone, short enough to keep tests quick.
    private static readonly TimeSpan s_pauseBetweenPieces = TimeSpan.FromMilliseconds(5);

    private readonly string _lineEnd = layout.Crlf ? "\r\n" : "\n";
    private readonly List<byte[]> _pending = [];

    public Task WriteEventAsync(ReadOnlySpan<byte> json, CancellationToken cancellationToken)
    {
        var prefix = "data: "u8;
        var end = Encoding.UTF8.GetBytes(_lineEnd + _lineEnd);
        var bytes = new byte[prefix.Length + json.Length + end.Length];
        prefix.CopyTo(bytes);
        json.CopyTo(bytes.AsSpan(prefix.Length));
        end.CopyTo(bytes.AsSpan(prefix.Length + json.Length));
        return EnqueueAsync(bytes, cancellationToken);
    }

    public Task WriteDataAsync(string data, CancellationToken cancellationToken) =>
        EnqueueAsync(Encoding.UTF8.GetBytes($"data: {data}{_lineEnd}{_lineEnd}"), cancellationToken);

    public Task WriteCommentAsync(string comment, CancellationToken cancellationToken) =>
        EnqueueAsync(Encoding.UTF8.GetBytes($": {comment}{_lineEnd}{_lineEnd}"), cancellationToken);

    /// <summary>Sends what a batch still holds; call before ending, cutting or waiting.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_pending.Count == 0)
            return;

        var bytes = _pending.SelectMany(piece => piece).ToArray();
        _pending.Clear();
        if (!layout.Split || bytes.Length < 4)
        {
            await WritePieceAsync(bytes, cancellationToken);
            return;
        }

        // Three pieces: up to the middle, up to the very last byte (so CR and LF, or the two LFs, part), the rest.
        var middle = bytes.Length / 2;
        var last = bytes.Length - 1;
        await WritePieceAsync(bytes.AsMemory(0, middle), cancellationToken);
        await Task.Delay(s_pauseBetweenPieces, time, cancellationToken);
        await WritePieceAsync(bytes.AsMemory(middle, last - middle), cancellationToken);
        await Task.Delay(s_pauseBetweenPieces, time, cancellationToken);
        await WritePieceAsync(bytes.AsMemory(last), cancellationToken);
    }

    private async Task EnqueueAsync(byte[] bytes, CancellationToken cancellationToken)
    {
        _pending.Add(bytes);
        if (_pending.Count >= layout.EventsPerWrite)
            await FlushAsync(cancellationToken);
    }

    private async Task WritePieceAsync(ReadOnlyMemory<byte> piece, CancellationToken cancellationToken)
    {
        await body.WriteAsync(piece, cancellationToken);
        await body.FlushAsync(cancellationToken);
    }
}
