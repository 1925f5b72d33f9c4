using GoChatAi.ChatService.Domain;
using GoChatAi.ServiceDefaults.Errors;
using Microsoft.Extensions.AI;

namespace GoChatAi.ChatService.Application;

/// <summary>The model provider: a chat client for each allowed model, and what its failures mean for our caller.</summary>
public interface IModelClientProvider
{
    IChatClient ClientFor(ChatModel model);

    /// <summary>
    /// A failed call to the model as a <see cref="ServiceException"/> whose message names nothing internal; the
    /// provider's own words go to <paramref name="logger"/>.
    /// </summary>
    ServiceException ToServiceException(Exception exception, string modelId, ILogger logger);
}
