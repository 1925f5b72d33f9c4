extern alias chatservice;

using System.Runtime.CompilerServices;
using chatservice::GoChatAi.ChatService.Application.Generations;
using Microsoft.Extensions.AI;

namespace GoChatAi.Tests.Unit;

/// <summary>What a model's stream keeps of each update once the generation has read it.</summary>
public sealed class ModelStreamTests
{
    [Fact]
    public async Task An_update_read_lets_go_of_the_providers_chunk_and_keeps_its_text()
    {
        var model = new KeepingModel(["Once", " upon", " a time"]);
        await using var stream = ModelStream.Start(model, [new ChatMessage(ChatRole.User, "Tell me")], new ChatOptions(), promptTokens: 2, CancellationToken.None);

        var text = "";
        await foreach (var update in stream.ReadAllAsync())
        {
            // The reader sees the update whole, the provider's chunk included.
            Assert.NotNull(update.RawRepresentation);
            Assert.All(update.Contents, content => Assert.NotNull(content.RawRepresentation));
            text += update.Text;
        }

        Assert.Equal("Once upon a time", text);
        // What a client under it kept (as the telemetry client keeps every update until the end) holds the text only.
        Assert.Equal(3, model.Kept.Count);
        Assert.All(model.Kept, update => Assert.Null(update.RawRepresentation));
        Assert.All(model.Kept.SelectMany(update => update.Contents), content => Assert.Null(content.RawRepresentation));
        Assert.Equal("Once upon a time", model.Kept.ToChatResponse().Text);
    }

    /// <summary>Streams its pieces, each with a provider chunk, and keeps every update it sent.</summary>
    private sealed class KeepingModel(IReadOnlyList<string> pieces) : IChatClient
    {
        public List<ChatResponseUpdate> Kept { get; } = [];

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
            IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            foreach (var piece in pieces)
            {
                await Task.Yield();
                var chunk = new byte[1024];
                var update = new ChatResponseUpdate(ChatRole.Assistant, [new TextContent(piece) { RawRepresentation = chunk }]) { RawRepresentation = chunk };
                Kept.Add(update);
                yield return update;
            }
        }

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
