extern alias chatservice;

using System.Net;
using System.Text;
using chatservice::GoChatAi.ChatService.Infrastructure.Model;

namespace GoChatAi.Tests.Unit;

/// <summary>What the ChatService smooths over below the SDK, whatever way the bytes arrive.</summary>
public sealed class OpenAiCompatibilityTests
{
    private const string Stream = "data: {\"id\":\"1\",\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\n" +
        "data: {\"id\":\"1\",\"choices\":null,\"usage\":{\"total_tokens\":3}}\n\n" +
        "data: {\"choices\":null}\n\ndata: [DONE]\n\n";

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(4096)]
    public async Task A_null_choices_chunk_reaches_the_sdk_as_an_empty_list_however_the_reads_split_it(int bytesPerRead)
    {
        using var invoker = new HttpMessageInvoker(new OpenAiCompatibilityHandler { InnerHandler = new EventStreamHandler(Stream, bytesPerRead) });

        using var response = await invoker.SendAsync(new HttpRequestMessage(HttpMethod.Post, "http://model/v1/chat/completions"), CancellationToken.None);
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(Stream.Replace("\"choices\":null", "\"choices\":[]  ", StringComparison.Ordinal), text);
    }

    /// <summary>Answers an event stream that hands out at most a few bytes per read.</summary>
    private sealed class EventStreamHandler(string body, int bytesPerRead) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var content = new StreamContent(new TrickleStream(Encoding.UTF8.GetBytes(body), bytesPerRead));
            content.Headers.ContentType = new("text/event-stream");
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = content });
        }
    }

    private sealed class TrickleStream(byte[] bytes, int bytesPerRead) : MemoryStream(bytes)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, bytesPerRead)], cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, bytesPerRead));
    }
}
