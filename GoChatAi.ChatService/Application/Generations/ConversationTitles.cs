using GoChatAi.ChatService.Domain;
using GoChatAi.ChatService.Infrastructure;
using GoChatAi.ChatService.Infrastructure.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using AiChatOptions = Microsoft.Extensions.AI.ChatOptions;

namespace GoChatAi.ChatService.Application.Generations;

/// <summary>Names an untitled conversation after its first exchange, with a few words from the model.</summary>
public sealed partial class ConversationTitles(IServiceScopeFactory scopes, ChatClientProvider clients, ILogger<ConversationTitles> logger)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    public async Task NameAsync(GenerationJob job)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ChatDbContext>();
            var conversation = await db.Conversations.AsNoTracking()
                .Where(c => c.Id == job.ConversationId)
                .Select(c => new { c.Title, Answers = db.Messages.Count(m => m.ConversationId == c.Id && m.Role == MessageRole.Assistant) })
                .FirstOrDefaultAsync();
            if (conversation is not { Title: null, Answers: 1 })
            {
                return;
            }

            var firstMessage = await db.Messages.AsNoTracking()
                .Where(m => m.ConversationId == job.ConversationId && m.Role == MessageRole.User)
                .OrderBy(m => m.Position).Select(m => m.Content).FirstAsync();
            var prompt = firstMessage.Length > 2000 ? firstMessage[..2000] : firstMessage;
            using var timeout = new CancellationTokenSource(s_timeout);
            var response = await clients.For(job.Model).GetResponseAsync(
                [
                    new ChatMessage(ChatRole.System, "Write a title of at most six words for a conversation that begins with the user's message below. Answer with the title only, without quotes."),
                    new ChatMessage(ChatRole.User, prompt),
                ],
                new AiChatOptions { ModelId = job.Model.Id, MaxOutputTokens = 24, Temperature = 0.2f },
                timeout.Token);
            var title = Clean(response.Text);
            if (title.Length > 0)
            {
                // Only if nobody named it meanwhile.
                await db.Conversations.Where(c => c.Id == job.ConversationId && c.Title == null)
                    .ExecuteUpdateAsync(set => set.SetProperty(c => c.Title, title));
            }
        }
        catch (Exception exception)
        {
            // A missing title is no failure of the answer.
            LogTitleFailed(logger, exception, job.ConversationId);
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
