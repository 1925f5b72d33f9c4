using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Google.Protobuf;

namespace GoChatAi.Tests.Infrastructure;

/// <summary>One span as a service exported it.</summary>
public sealed record ReceivedSpan(
    string Service,
    string Scope,
    string TraceId,
    string SpanId,
    string ParentSpanId,
    string Name,
    IReadOnlyDictionary<string, string> Attributes);

/// <summary>
/// A minimal OTLP/HTTP (protobuf) collector on a local port: it keeps the spans sent to <c>/v1/traces</c> and
/// accepts and drops metrics and logs. The fixture points the ChatService at it, so that a test can find a
/// request's trace as the dashboard or a production collector would receive it, through the real exporter.
/// The protobuf is walked by field number (opentelemetry-proto's trace.proto), which spares the test project
/// the OTLP schema for the few fields it reads.
/// </summary>
public sealed class OtlpTraceReceiver : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<ReceivedSpan> _spans = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public OtlpTraceReceiver()
    {
        Endpoint = new Uri($"http://127.0.0.1:{FreePort()}/");
        _listener.Prefixes.Add(Endpoint.ToString());
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    /// <summary>The base address to give as <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (with protocol http/protobuf).</summary>
    public Uri Endpoint { get; }

    public IReadOnlyList<ReceivedSpan> SpansOf(string traceId) => [.. _spans.Where(s => s.TraceId == traceId)];

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception exception) when (exception is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            try
            {
                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                if (context.Request.Url?.AbsolutePath == "/v1/traces")
                {
                    ReadExportRequest(body.ToArray());
                }

                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/x-protobuf";
            }
            catch (InvalidProtocolBufferException)
            {
                context.Response.StatusCode = 400;
            }
            finally
            {
                context.Response.Close();
            }
        }
    }

    // ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
    private void ReadExportRequest(byte[] data)
    {
        foreach (var (field, value) in Fields(data))
        {
            if (field == 1)
            {
                ReadResourceSpans(value);
            }
        }
    }

    // ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }, Resource { repeated KeyValue attributes = 1; }
    private void ReadResourceSpans(ByteString data)
    {
        var service = "";
        var scopes = new List<ByteString>();
        foreach (var (field, value) in Fields(data))
        {
            if (field == 1)
            {
                var resource = Attributes(Fields(value).Where(f => f.Field == 1).Select(f => f.Value));
                service = resource.GetValueOrDefault("service.name", "");
            }
            else if (field == 2)
            {
                scopes.Add(value);
            }
        }

        foreach (var scopeSpans in scopes)
        {
            // ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; }, InstrumentationScope { string name = 1; }
            var scope = "";
            foreach (var (field, value) in Fields(scopeSpans))
            {
                if (field == 1)
                {
                    scope = Fields(value).Where(f => f.Field == 1).Select(f => f.Value.ToStringUtf8()).FirstOrDefault() ?? "";
                }
                else if (field == 2)
                {
                    _spans.Enqueue(ReadSpan(service, scope, value));
                }
            }
        }
    }

    // Span { bytes trace_id = 1; bytes span_id = 2; bytes parent_span_id = 4; string name = 5; repeated KeyValue attributes = 9; }
    private static ReceivedSpan ReadSpan(string service, string scope, ByteString data)
    {
        string traceId = "", spanId = "", parentSpanId = "", name = "";
        var attributes = new List<ByteString>();
        foreach (var (field, value) in Fields(data))
        {
            switch (field)
            {
                case 1: traceId = Convert.ToHexStringLower(value.Span); break;
                case 2: spanId = Convert.ToHexStringLower(value.Span); break;
                case 4: parentSpanId = Convert.ToHexStringLower(value.Span); break;
                case 5: name = value.ToStringUtf8(); break;
                case 9: attributes.Add(value); break;
            }
        }

        return new ReceivedSpan(service, scope, traceId, spanId, parentSpanId, name, Attributes(attributes));
    }

    // KeyValue { string key = 1; AnyValue value = 2; }, AnyValue { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4; }
    private static Dictionary<string, string> Attributes(IEnumerable<ByteString> keyValues)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var keyValue in keyValues)
        {
            string? key = null, text = null;
            var input = keyValue.CreateCodedInput();
            uint tag;
            while ((tag = input.ReadTag()) != 0)
            {
                if (WireFormat.GetTagFieldNumber(tag) == 1)
                {
                    key = input.ReadString();
                }
                else if (WireFormat.GetTagFieldNumber(tag) == 2)
                {
                    text = AnyValue(input.ReadBytes());
                }
                else
                {
                    input.SkipLastField();
                }
            }

            if (key is not null)
            {
                result[key] = text ?? "";
            }
        }

        return result;
    }

    private static string? AnyValue(ByteString data)
    {
        var input = data.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: return input.ReadString();
                case 2: return input.ReadBool() ? "true" : "false";
                case 3: return input.ReadInt64().ToString(System.Globalization.CultureInfo.InvariantCulture);
                case 4: return input.ReadDouble().ToString(System.Globalization.CultureInfo.InvariantCulture);
                default: input.SkipLastField(); break;
            }
        }

        return null;
    }

    /// <summary>The length-delimited fields of a message (the only kind the walk descends into); others are skipped.</summary>
    private static List<(int Field, ByteString Value)> Fields(ByteString data) => Fields(data.ToByteArray());

    private static List<(int Field, ByteString Value)> Fields(byte[] data)
    {
        var fields = new List<(int, ByteString)>();
        var input = new CodedInputStream(data);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
            {
                fields.Add((WireFormat.GetTagFieldNumber(tag), input.ReadBytes()));
            }
            else
            {
                input.SkipLastField();
            }
        }

        return fields;
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        _listener.Close();
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }
}
