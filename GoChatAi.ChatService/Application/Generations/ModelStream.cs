using Microsoft.Extensions.AI;
using AiChatOptions = Microsoft.Extensions.AI.ChatOptions;

namespace GoChatAi.ChatService.Application.Generations;

/// <summary>
/// A model's streamed answer, asked for before it is read: the request goes out at once, so that the model thinks
/// while the user's message is being stored, and what it sends waits, unread, until the generation reads it.
/// </summary>
public sealed class ModelStream : IAsyncDisposable
{
    private readonly IAsyncEnumerator<ChatResponseUpdate> _updates;
    private readonly Task<bool> _first;

    private ModelStream(IAsyncEnumerator<ChatResponseUpdate> updates, int promptTokens)
    {
        _updates = updates;
        PromptTokens = promptTokens;
        // The first step sends the request; its outcome is awaited by the reader (or by DisposeAsync).
        _first = updates.MoveNextAsync().AsTask();
    }

    /// <summary>The prompt's tokens by our count, for when the provider reports none.</summary>
    public int PromptTokens { get; }

    /// <summary>Sends the request now; <paramref name="cancellationToken"/> stops it at any point.</summary>
    public static ModelStream Start(IChatClient client, IEnumerable<ChatMessage> context, AiChatOptions options, int promptTokens, CancellationToken cancellationToken) =>
        new(client.GetStreamingResponseAsync(context, options, cancellationToken).GetAsyncEnumerator(cancellationToken), promptTokens);

    /// <summary>The model's updates, from the first; read once.</summary>
    public async IAsyncEnumerable<ChatResponseUpdate> ReadAllAsync()
    {
        if (!await _first)
        {
            yield break;
        }

        do
        {
            yield return _updates.Current;
        }
        while (await _updates.MoveNextAsync());
    }

    /// <summary>Ends the request; the caller cancels its token first when the answer is not wanted any more.</summary>
    public async ValueTask DisposeAsync()
    {
        await ((Task)_first).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _updates.DisposeAsync();
    }
}
