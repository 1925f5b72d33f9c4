using GoChatAi.ChatService.Domain;
using Microsoft.Extensions.AI;
using AiChatOptions = Microsoft.Extensions.AI.ChatOptions;

namespace GoChatAi.ChatService.Application.Generations;

/// <summary>Names an untitled conversation after its first exchange, with a few words from the model.</summary>
public sealed partial class ConversationTitles(IServiceScopeFactory scopes, IModelClientProvider clients, ILogger<ConversationTitles> logger)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    /// <summary>Names the job's conversation after its first exchange, unless it has a title; a failure is only logged.</summary>
    public async Task NameAsync(GenerationJob job)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var store = scope.ServiceProvider.GetRequiredService<IConversationStore>();
            if (await store.FindFirstMessageToTitleAsync(job.ConversationId, CancellationToken.None) is { } firstMessage)
            {
                await NameAsync(store, job.ConversationId, job.Model, firstMessage);
            }
        }
        catch (Exception exception)
        {
            // A missing title is no failure of the answer.
            LogTitleFailed(logger, exception, job.ConversationId);
        }
    }

    /// <summary>
    /// Names a conversation that begins with <paramref name="firstMessage"/> (one stored whole, as an OpenAI-API
    /// exchange is), unless it has a title; a failure is only logged.
    /// </summary>
    public async Task NameAsync(Guid conversationId, ChatModel model, string firstMessage)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await NameAsync(scope.ServiceProvider.GetRequiredService<IConversationStore>(), conversationId, model, firstMessage);
        }
        catch (Exception exception)
        {
            LogTitleFailed(logger, exception, conversationId);
        }
    }

    private async Task NameAsync(IConversationStore store, Guid conversationId, ChatModel model, string firstMessage)
    {
        var prompt = firstMessage.Length > 2000 ? firstMessage[..2000] : firstMessage;
        using var timeout = new CancellationTokenSource(s_timeout);
        var response = await clients.ClientFor(model).GetResponseAsync(
            [
                new ChatMessage(ChatRole.System, "Write a title of at most six words for a conversation that begins with the user's message below. Answer with the title only, without quotes."),
                new ChatMessage(ChatRole.User, prompt),
            ],
            new AiChatOptions { ModelId = model.Id, MaxOutputTokens = 24, Temperature = 0.2f },
            timeout.Token);
        var title = Clean(response.Text);
        if (title.Length > 0)
        {
            // Only if nobody named it meanwhile.
            await store.SetTitleIfUntitledAsync(conversationId, title, CancellationToken.None);
        }
    }

    /// <summary>The model's title as a title: one line, no quotes or control characters, at most 200 characters.</summary>
    public static string Clean(string text)
    {
        var line = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
        var cleaned = new string(line.Where(c => !char.IsControl(c) && !char.IsSurrogate(c)).ToArray()).Trim().Trim('"', '\'', '“', '”', '*', '#').Trim();
        return cleaned.Length > Conversation.MaxTitleLength ? cleaned[..Conversation.MaxTitleLength].TrimEnd() : cleaned;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Naming conversation {ConversationId} failed")]
    private static partial void LogTitleFailed(ILogger logger, Exception exception, Guid conversationId);
}
