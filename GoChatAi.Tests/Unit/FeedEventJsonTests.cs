extern alias chatservice;

using System.Text;
using chatservice::GoChatAi.ChatService.Application.Feeds;
using chatservice::GoChatAi.ChatService.Domain;
using chatservice::GoChatAi.ChatService.Infrastructure.Redis;
using GoChatAi.ServiceDefaults.Errors;

namespace GoChatAi.Tests.Unit;

/// <summary>The form events are stored in a feed: every kind reads back as it was written, and enums by name.</summary>
public sealed class FeedEventJsonTests
{
    private static readonly Guid s_generation = Guid.CreateVersion7();

    private static MessageSnapshot Snapshot(MessageStatus status, FinishReason? reason, TokenUsage? usage) => new(
        Guid.CreateVersion7(), Guid.CreateVersion7(), MessageRole.Assistant, "Text with \"quotes\" and é", "small",
        status, reason, usage, s_generation, new DateTimeOffset(2026, 11, 26, 12, 30, 15, 123, TimeSpan.Zero), ParentId: Guid.CreateVersion7());

    public static TheoryData<ConversationEvent> Events() =>
    [
        new MessageStored(Snapshot(MessageStatus.Finished, null, null) with { Role = MessageRole.User, GenerationId = null }),
        new AnswerStarted(Snapshot(MessageStatus.Generating, null, null)),
        new AnswerDelta(s_generation, "a piece\nof text"),
        new AnswerCompleted(s_generation, Guid.CreateVersion7(), new TokenUsage(12, 34), FinishReason.Length),
        new AnswerCompleted(s_generation, Guid.CreateVersion7(), null, FinishReason.Cancelled),
        new AnswerFailed(s_generation, Guid.CreateVersion7(), ErrorKind.DeadlineExceeded, "The model timed out."),
    ];

    [Theory]
    [MemberData(nameof(Events))]
    public void Every_event_reads_back_as_it_was_written(ConversationEvent chatEvent)
    {
        var read = FeedEventJson.Deserialize(FeedEventJson.Serialize(chatEvent));

        Assert.Equal(chatEvent, read);
        Assert.Equal(chatEvent.GenerationId, read.GenerationId);
        Assert.Equal(chatEvent.IsFinal, read.IsFinal);
    }

    [Fact]
    public void Enums_are_stored_by_name_and_computed_values_not_at_all()
    {
        var json = Encoding.UTF8.GetString(FeedEventJson.Serialize(
            new AnswerCompleted(s_generation, Guid.CreateVersion7(), new TokenUsage(1, 2), FinishReason.ContentFilter)));

        Assert.StartsWith("{\"t\":\"completed\"", json, StringComparison.Ordinal);
        Assert.Contains("\"ContentFilter\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("isFinal", json, StringComparison.Ordinal);
        Assert.DoesNotContain("totalTokens", json, StringComparison.Ordinal);
    }
}
