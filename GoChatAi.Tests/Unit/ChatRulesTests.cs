extern alias chatservice;

using chatservice::GoChatAi.ChatService.Application;
using chatservice::GoChatAi.ChatService.Application.Generations;

namespace GoChatAi.Tests.Unit;

/// <summary>The ChatService's small rules: the model connection string, feed cursors, history page tokens, titles.</summary>
public sealed class ChatRulesTests
{
    [Fact]
    public void An_openai_compatible_connection_string_is_read()
    {
        var connection = ModelConnection.Parse("Endpoint=http://localhost:8090/v1;Key=secret-key;Model=stand-in");

        Assert.Equal(new Uri("http://localhost:8090/v1"), connection.Endpoint);
        Assert.Equal("secret-key", connection.Key);
        Assert.Equal("stand-in", connection.Model);
        Assert.False(connection.IsAzure);
        Assert.DoesNotContain("secret-key", connection.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Endpoint=https://my.openai.azure.com/;Key=k;Deployment=gpt-4o", true, "gpt-4o")]
    [InlineData("Endpoint=https://x.cognitiveservices.azure.com/;Key=k;Model=m", true, "m")]
    [InlineData("Endpoint=https://proxy.example.com/;Key=k;Model=m;Provider=azure", true, "m")]
    [InlineData("Key=k;Model=gpt-4o-mini", false, "gpt-4o-mini")]
    public void Azure_endpoints_are_told_apart(string connectionString, bool isAzure, string model)
    {
        var connection = ModelConnection.Parse(connectionString);
        Assert.Equal(isAzure, connection.IsAzure);
        Assert.Equal(model, connection.Model);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Endpoint=http://localhost/v1;Model=m")]
    [InlineData("Endpoint=ftp://localhost/v1;Key=k")]
    [InlineData("Provider=azure;Key=k")]
    public void A_bad_connection_string_stops_the_service_without_naming_the_key(string? connectionString)
    {
        var error = Assert.Throws<InvalidOperationException>(() => ModelConnection.Parse(connectionString));
        Assert.Contains("ConnectionStrings:openai", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("=k", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Feed_cursors_round_trip_and_refuse_garbage()
    {
        var cursor = new FeedCursor(Guid.NewGuid(), 42);
        Assert.True(FeedCursor.TryParse(cursor.ToString(), out var parsed));
        Assert.Equal(cursor, parsed);
        Assert.True(cursor.ToString().Length <= 128);

        foreach (var bad in new[] { null, "", "c1.", "c2.abc.1", $"c1.{Guid.NewGuid():N}.-1", $"c1.{Guid.NewGuid():N}.1.2", $"c1.{Guid.NewGuid():N}.x", new string('c', 300) })
        {
            Assert.False(FeedCursor.TryParse(bad, out _), bad);
        }
    }

    [Fact]
    public void History_page_tokens_round_trip_and_refuse_garbage()
    {
        var token = new HistoryPageToken(Guid.NewGuid(), NewestFirst: true, Position: 1234);
        Assert.True(HistoryPageToken.TryParse(token.ToString(), out var parsed));
        Assert.Equal(token, parsed);

        Assert.False(HistoryPageToken.TryParse("not a token", out _));
        Assert.False(HistoryPageToken.TryParse("aDF8eHw=", out _));
        Assert.False(HistoryPageToken.TryParse(new string('A', 500), out _));
    }

    [Theory]
    [InlineData("\"Trip to Lisbon\"", "Trip to Lisbon")]
    [InlineData("  **Budget plan**  \nsecond line", "Budget plan")]
    [InlineData("Bell\u0007 removed", "Bell removed")]
    [InlineData("", "")]
    public void Generated_titles_are_cleaned_to_one_line(string text, string expected) =>
        Assert.Equal(expected, ConversationTitles.Clean(text));
}
