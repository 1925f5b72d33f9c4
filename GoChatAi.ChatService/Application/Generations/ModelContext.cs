using GoChatAi.ChatService.Domain;
using GoChatAi.ServiceDefaults.Errors;
using Microsoft.Extensions.AI;

namespace GoChatAi.ChatService.Application.Generations;

/// <summary>
/// What the model is sent: the system prompt and as much recent history as fits the model's window less the
/// answer's budget, oldest dropped first. Stored messages bring their token counts; only older ones, stored before
/// counts were kept, are counted again.
/// </summary>
public static class ModelContext
{
    /// <summary>The most stored messages looked at; older ones never fit a real window anyway.</summary>
    public const int MaxHistoryMessages = 1000;

    /// <summary>Room left in the window for the provider's tokenizer counting a little differently from ours.</summary>
    public const double SafetyMargin = 0.95;

    /// <summary>The messages to send, and the prompt tokens they take by our count.</summary>
    public static (List<ChatMessage> Messages, int Tokens) Build(GenerationJob job, ITokenCounter tokens)
    {
        var window = (int)(job.Model.ContextWindow * SafetyMargin);
        var used = ITokenCounter.PerRequestOverhead + (job.SystemPrompt is null ? 0 : tokens.CountMessage(job.SystemPrompt));
        var budget = window - job.MaxTokens - used;

        // Newest first, until the window is full; the newest is the new message, which must fit.
        var picked = new List<ChatMessage>();
        foreach (var message in job.History)
        {
            var cost = message.TokenCount ?? tokens.CountMessage(message.Content);
            if (cost > budget)
            {
                if (picked.Count == 0)
                {
                    throw ServiceException.InvalidArgument(job.NewestMessageField,
                        $"is too long for the model '{job.Model.Id}': with the system prompt and room for the answer it needs {used + cost + job.MaxTokens} tokens of the {window} it can be sent");
                }

                break;
            }

            budget -= cost;
            used += cost;
            picked.Add(new ChatMessage(message.Role == MessageRole.Assistant ? ChatRole.Assistant : ChatRole.User, message.Content));
        }

        picked.Reverse();
        if (job.SystemPrompt is not null)
        {
            picked.Insert(0, new ChatMessage(ChatRole.System, job.SystemPrompt));
        }

        return (picked, used);
    }
}
