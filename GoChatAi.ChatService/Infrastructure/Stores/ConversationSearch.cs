using System.Text;
using GoChatAi.ChatService.Application;
using GoChatAi.ChatService.Application.Commands;
using GoChatAi.ChatService.Domain;
using Microsoft.EntityFrameworkCore;
using static GoChatAi.ChatService.Infrastructure.Stores.SqlRoundTrip;

namespace GoChatAi.ChatService.Infrastructure.Stores;

/// <summary>
/// PostgreSQL full-text search over a user's messages and titles (migration ConversationSearch): English-stemmed
/// tsvector columns kept with the rows, GIN indexes on (owner, vector) so that a search visits only the user's own
/// matches, <c>websearch_to_tsquery</c> for what people type, and <c>ts_headline</c> for the snippets of one page only.
/// </summary>
public sealed class ConversationSearch(IDbContextFactory<ChatDbContext> contexts) : IConversationSearch
{
    // Private-use characters mark the matched words in ts_headline's output, then become ranges: the snippet stays
    // plain text (no markup a client could be tricked into rendering). They are taken out of the text first.
    private const char MatchStart = '\uE000';
    private const char MatchEnd = '\uE001';

    // Snippets come from the start of long texts only: ts_headline parses all it is given.
    private const int SnippetSourceLength = 20_000;

    // A text up to this long is its own snippet, whole; a longer one is cut to the fragments around the matches.
    private const int WholeSnippetLength = 300;

    private static readonly string s_wholeOptions = $"StartSel={MatchStart}, StopSel={MatchEnd}, HighlightAll=true";

    private static readonly string s_fragmentOptions =
        $"StartSel={MatchStart}, StopSel={MatchEnd}, MaxWords=30, MinWords=12, ShortWord=2, MaxFragments=2, FragmentDelimiter=\" … \"";

    // Whether the query can use the index: it has a word to find, not only words to leave out (which would have to
    // read every message of the user's) or words too common to be indexed at all.
    private const string SearchableSql = "SELECT querytree(websearch_to_tsquery('english', $1)) NOT IN ('', 'T')";

    // Messages and titles that match, best first (then newest; ids break ties so that pages never overlap), one page
    // and one more row; snippets only for those.
    private const string HitsSql = """
        WITH q AS MATERIALIZED (SELECT websearch_to_tsquery('english', $2) AS query),
        hits AS (
            SELECT * FROM (
                SELECT m."Id" AS "MessageId", m."ConversationId", m."Role", m."CreatedAt", ts_rank(m."SearchVector", q.query) AS rank
                FROM messages m, q
                WHERE m."UserId" = $1 AND m."SearchVector" @@ q.query
                UNION ALL
                SELECT NULL, c."Id", NULL, c."CreatedAt", ts_rank(c."TitleSearch", q.query)
                FROM conversations c, q
                WHERE c."UserId" = $1 AND c."TitleSearch" @@ q.query) matched
            ORDER BY rank DESC, "CreatedAt" DESC, "ConversationId", "MessageId" NULLS FIRST
            LIMIT $3 OFFSET $4)
        SELECT h."MessageId", h."ConversationId", h."Role", h."CreatedAt",
            ts_headline('english', left(translate(COALESCE(m."Content", c."Title"), $5, ''), $6), q.query,
                CASE WHEN length(COALESCE(m."Content", c."Title")) <= $7 THEN $8 ELSE $9 END)
        FROM hits h
        CROSS JOIN q
        LEFT JOIN messages m ON m."Id" = h."MessageId"
        LEFT JOIN conversations c ON h."MessageId" IS NULL AND c."Id" = h."ConversationId"
        ORDER BY h.rank DESC, h."CreatedAt" DESC, h."ConversationId", h."MessageId" NULLS FIRST
        """;

    private sealed record HitRow(Guid? MessageId, Guid ConversationId, MessageRole? Role, DateTimeOffset CreatedAt, string Headline);

    public async Task<SearchPage?> SearchAsync(Guid userId, SearchQuery query, CancellationToken cancellationToken)
    {
        var rows = await contexts.ExecuteAsync(async (connection, token) =>
        {
            await using var batch = new Npgsql.NpgsqlBatch(connection)
            {
                BatchCommands =
                {
                    new(SearchableSql) { Parameters = { Param(query.Text) } },
                    new(HitsSql)
                    {
                        Parameters =
                        {
                            Param(userId), Param(query.Text), Param(query.Limit + 1), Param(query.Offset),
                            Param($"{MatchStart}{MatchEnd}"), Param(SnippetSourceLength), Param(WholeSnippetLength), Param(s_wholeOptions), Param(s_fragmentOptions),
                        },
                    },
                },
            };
            await using var reader = await batch.ExecuteReaderAsync(token);
            await reader.ReadAsync(token);
            if (!reader.GetBoolean(0))
            {
                return null;
            }

            await reader.NextResultAsync(token);
            var found = new List<HitRow>();
            while (await reader.ReadAsync(token))
            {
                found.Add(new HitRow(
                    reader.IsDBNull(0) ? null : reader.GetGuid(0),
                    reader.GetGuid(1),
                    reader.IsDBNull(2) ? null : Enum.Parse<MessageRole>(reader.GetString(2)),
                    reader.GetFieldValue<DateTimeOffset>(3),
                    reader.GetString(4)));
            }

            return found;
        }, cancellationToken);

        if (rows is null)
        {
            return null;
        }

        var page = rows.Take(query.Limit).ToList();
        var ids = page.Select(r => r.ConversationId).Distinct().ToList();
        var conversations = await contexts.RunAsync(db => db.Conversations.AsNoTracking()
            .Where(c => c.UserId == userId && ids.Contains(c.Id))
            .ToDictionaryAsync(c => c.Id, cancellationToken), cancellationToken);

        // A conversation deleted between the two reads takes its hits with it.
        var hits = page
            .Where(r => conversations.ContainsKey(r.ConversationId))
            .Select(r =>
            {
                var (snippet, highlights) = Highlighted(r.Headline);
                return new SearchHit(conversations[r.ConversationId], r.MessageId, r.Role, snippet, highlights, r.CreatedAt);
            })
            .ToList();
        return new SearchPage(hits, rows.Count > query.Limit);
    }

    /// <summary>ts_headline's output as plain text and the ranges its markers enclosed.</summary>
    internal static (string Text, IReadOnlyList<TextHighlight> Highlights) Highlighted(string headline)
    {
        var text = new StringBuilder(headline.Length);
        var highlights = new List<TextHighlight>();
        var start = -1;
        foreach (var c in headline)
        {
            if (c == MatchStart)
            {
                start = text.Length;
            }
            else if (c == MatchEnd && start >= 0)
            {
                if (text.Length > start)
                {
                    highlights.Add(new TextHighlight(start, text.Length - start));
                }

                start = -1;
            }
            else if (c != MatchEnd)
            {
                text.Append(c);
            }
        }

        return (text.ToString(), highlights);
    }
}
