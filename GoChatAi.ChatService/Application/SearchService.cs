using GoChatAi.ChatService.Application.Commands;
using GoChatAi.ServiceDefaults.Errors;

namespace GoChatAi.ChatService.Application;

/// <summary>Searches a user's own conversations.</summary>
public sealed class SearchService(IConversationSearch search)
{
    public async Task<SearchPage> SearchAsync(Guid userId, SearchQuery query, CancellationToken cancellationToken) =>
        await search.SearchAsync(userId, query, cancellationToken)
            ?? throw ServiceException.InvalidArgument("query", "has no word to find (only punctuation, words too common to search for such as \"the\", or only words to leave out)");
}
