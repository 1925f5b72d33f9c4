extern alias chatservice;

using chatservice::GoChatAi.ChatService.Application;
using chatservice::GoChatAi.ChatService.Infrastructure.Stores;

namespace GoChatAi.Tests.Unit;

/// <summary>ts_headline's marked output becomes plain text and the ranges of the matched words.</summary>
public sealed class SearchSnippetTests
{
    [Fact]
    public void Marked_words_become_ranges_of_the_plain_text()
    {
        var (text, highlights) = ConversationSearch.Highlighted("The \uE000gardens\uE001 of \uE000Kew\uE001 were wild");

        Assert.Equal("The gardens of Kew were wild", text);
        Assert.Equal([new TextHighlight(4, 7), new TextHighlight(15, 3)], highlights);
    }

    [Theory]
    [InlineData("no marks at all", "no marks at all")]
    [InlineData("\uE001stray end and \uE000\uE001 empty mark", "stray end and  empty mark")]
    [InlineData("unclosed \uE000start", "unclosed start")]
    public void Odd_marks_never_make_a_range_outside_the_text(string headline, string expected)
    {
        var (text, highlights) = ConversationSearch.Highlighted(headline);

        Assert.Equal(expected, text);
        Assert.All(highlights, h => Assert.True(h.Length > 0 && h.Start + h.Length <= text.Length));
        Assert.Empty(highlights);
    }

    [Fact]
    public void Ranges_count_utf16_code_units_as_clients_index_strings()
    {
        var (text, highlights) = ConversationSearch.Highlighted("😀 \uE000日本語\uE001");

        var range = Assert.Single(highlights);
        Assert.Equal("日本語", text.Substring(range.Start, range.Length));
        Assert.Equal(3, range.Start);
    }
}
