extern alias chatservice;

using chatservice::GoChatAi.ChatService.Application;
using chatservice::GoChatAi.ChatService.Application.Feeds;
using chatservice::GoChatAi.ChatService.Application.Commands;
using chatservice::GoChatAi.ChatService.Application.Generations;
using GoChatAi.ServiceDefaults.Errors;

namespace GoChatAi.Tests.Unit;

/// <summary>The ChatService's small rules: the model connection string, feed cursors, history page tokens, titles, ids and dates as requests give them.</summary>
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
        var token = new HistoryPageToken(Guid.NewGuid(), NewestFirst: true, LeafId: Guid.NewGuid(), Depth: 1234);
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

    [Theory]
    [InlineData("", "is required")]
    [InlineData("not-a-uuid", "must be a UUID")]
    [InlineData("3f2504e04f8941d39a0c0305e82c3301", "must be a UUID")]
    [InlineData("{3f2504e0-4f89-41d3-9a0c-0305e82c3301}", "must be a UUID")]
    public void An_id_is_a_uuid_in_its_usual_form_or_its_field_is_named(string text, string violation)
    {
        var check = new RequestValidation();
        check.Id("conversation_id", text);

        var error = Assert.Throws<ServiceException>(check.ThrowIfInvalid);
        Assert.Equal(new FieldViolation("conversation_id", violation), Assert.Single(error.Violations));
    }

    [Fact]
    public void Ids_and_dates_are_parsed_once_and_absent_ones_are_null()
    {
        var id = Guid.NewGuid();
        var check = new RequestValidation();

        Assert.Equal(id, check.Id("conversation_id", id.ToString()));
        Assert.Null(check.OptionalId("conversation_id", null));
        Assert.Equal(new DateOnly(2026, 11, 26), check.OptionalDate("start_date", "2026-11-26"));
        Assert.Null(check.OptionalDate("end_date", null));
        Assert.True(check.IsValid);
    }

    [Theory]
    [InlineData("2026-02-30")]
    [InlineData("1969-12-31")]
    [InlineData("26-11-2026")]
    public void A_date_that_is_not_a_day_since_1970_is_named(string text)
    {
        var check = new RequestValidation();

        Assert.Null(check.OptionalDate("start_date", text));
        Assert.Equal("start_date", Assert.Single(Assert.Throws<ServiceException>(check.ThrowIfInvalid).Violations).Field);
    }
}
