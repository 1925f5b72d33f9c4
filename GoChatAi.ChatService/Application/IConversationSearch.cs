using GoChatAi.ChatService.Application.Commands;
using GoChatAi.ChatService.Domain;

namespace GoChatAi.ChatService.Application;

/// <summary>Where matched words stand in a snippet, in UTF-16 code units.</summary>
public readonly record struct TextHighlight(int Start, int Length);

/// <summary>
/// One place a search matched: a message (<see cref="MessageId"/>, <see cref="Role"/>) or, when those are null, the
/// conversation's title; the text around the match with the matched words marked, and when it was written.
/// </summary>
public sealed record SearchHit(Conversation Conversation, Guid? MessageId, MessageRole? Role, string Snippet, IReadOnlyList<TextHighlight> Highlights, DateTimeOffset CreatedAt);

/// <summary>A page of hits, best first, and whether more follow it.</summary>
public sealed record SearchPage(IReadOnlyList<SearchHit> Hits, bool HasMore);

/// <summary>Full-text search over one user's messages and titles.</summary>
public interface IConversationSearch
{
    /// <summary>
    /// The user's hits for the query, best first (how well they match, then newest); null when the query holds no
    /// word to find (only punctuation, words too common to index such as "the", or only words to leave out).
    /// </summary>
    Task<SearchPage?> SearchAsync(Guid userId, SearchQuery query, CancellationToken cancellationToken);
}
