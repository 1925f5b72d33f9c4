extern alias chatservice;

using chatservice::GoChatAi.ChatService.Application;
using chatservice::GoChatAi.ChatService.Application.Archives;
using chatservice::GoChatAi.ChatService.Application.Commands;
using chatservice::GoChatAi.ChatService.Domain;
using Options = Microsoft.Extensions.Options.Options;

namespace GoChatAi.Tests.Unit;

/// <summary>
/// A conversation of an imported file checked as a tree and ordered to be stored: parents first, siblings oldest
/// first, the file's leaf shown (else the newest leaf); a broken tree refused with a reason people read.
/// </summary>
public sealed class ImportPlanTests
{
    private static readonly DateTimeOffset Start = new(2024, 5, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly ModelCatalog Models = new(Options.Create(new ModelOptions { Models = [new ModelDefinition { Id = "small" }] }));
    private static readonly Guid UserId = Guid.CreateVersion7();

    private static MessageDraft Said(string id, string? parent, int second, MessageRole role = MessageRole.User, string? content = null) =>
        new(id, parent, role, content ?? $"text of {id}", role == MessageRole.Assistant ? "gpt-x" : null, null, null, null, Start.AddSeconds(second));

    private static ConversationDraft Draft(string? leaf, params MessageDraft[] messages) =>
        new("source-1", "A title", null, "not-in-the-catalog", Start, Start.AddHours(1), false, true, leaf, messages);

    private static (ImportPlan? Plan, string? Refusal) Build(ConversationDraft draft) =>
        ImportPlan.Build(draft, UserId, ImportSource.ChatGpt, Models, new WordCounter(), Start.AddDays(1));

    [Fact]
    public void Messages_are_stored_parents_first_siblings_oldest_first_whatever_the_file_s_order()
    {
        // The file lists a regenerated answer (b2) before the first one (b1), and a follower before its parent.
        var (plan, refusal) = Build(Draft("c1",
            Said("c1", "b1", 30), Said("b2", "a", 20, MessageRole.Assistant), Said("a", null, 0), Said("b1", "a", 10, MessageRole.Assistant)));
        Assert.Null(refusal);
        var contents = plan!.Messages.Select(m => m.Content).ToList();
        Assert.Equal(["text of a", "text of b1", "text of b2", "text of c1"], contents);
        var (a, b1, b2, c1) = (plan.Messages[0], plan.Messages[1], plan.Messages[2], plan.Messages[3]);
        Assert.Equal((null, 0), (a.ParentId, a.Depth));
        Assert.Equal((a.Id, 1), (b1.ParentId, b1.Depth));
        Assert.Equal((a.Id, 1), (b2.ParentId, b2.Depth));
        Assert.Equal((b1.Id, 2), (c1.ParentId, c1.Depth));
        Assert.Equal(c1.Id, plan.ActiveLeafId);
        Assert.All(plan.Messages, m => Assert.Equal(plan.Conversation.Id, m.ConversationId));
        Assert.All(plan.Messages, m => Assert.Equal(MessageStatus.Finished, m.Status));
        Assert.Equal((FinishReason?)FinishReason.Stop, b1.FinishReason);
        Assert.Equal("gpt-x", b1.Model);
        Assert.Equal(3 + ITokenCounter.PerMessageOverhead, b1.TokenCount);
        // Settings: a model the deployment does not have becomes its default; the source is the import key.
        Assert.Equal("small", plan.Conversation.Model);
        Assert.Equal("chatgpt:source-1", plan.Conversation.ImportedFrom);
        Assert.Equal((Start, Start.AddHours(1), true), (plan.Conversation.CreatedAt, plan.Conversation.UpdatedAt, plan.Conversation.IsArchived));
    }

    [Fact]
    public void Without_a_leaf_in_the_file_the_newest_leaf_is_shown()
    {
        var (plan, _) = Build(Draft("not-there", Said("a", null, 0), Said("b1", "a", 10, MessageRole.Assistant), Said("b2", "a", 20, MessageRole.Assistant)));
        Assert.Equal("text of b2", plan!.Messages.Single(m => m.Id == plan.ActiveLeafId).Content);
    }

    public static TheoryData<string, MessageDraft[]> BrokenTrees => new()
    {
        { "It has no message to import.", [] },
        { "Message b follows message gone, which the file does not have.", [Said("a", null, 0), Said("b", "gone", 1)] },
        { "Its messages follow each other in a loop.", [Said("a", null, 0), Said("b", "c", 1), Said("c", "b", 2)] },
        { "Two messages have the id a.", [Said("a", null, 0), Said("a", null, 1)] },
        { "Message s is neither the user's nor the model's.", [Said("s", null, 0, MessageRole.System)] },
        { "Message a is longer than 1,000,000 characters.", [Said("a", null, 0, content: new string('x', 1_000_001))] },
        { "Message a is not valid text (it holds a NUL character or broken Unicode).", [Said("a", null, 0, content: "a\0b")] },
    };

    [Theory]
    [MemberData(nameof(BrokenTrees))]
    public void A_broken_tree_is_refused_with_its_reason(string reason, MessageDraft[] messages)
    {
        var (plan, refusal) = Build(Draft(null, messages));
        Assert.Null(plan);
        Assert.Equal(reason, refusal);
    }

    [Fact]
    public void A_title_is_kept_on_one_line_within_its_length()
    {
        var (plan, _) = Build(Draft(null, Said("a", null, 0)) with { Title = "line one\nline two" + new string('x', 300) });
        Assert.StartsWith("line one line two", plan!.Conversation.Title, StringComparison.Ordinal);
        Assert.Equal(Conversation.MaxTitleLength, plan.Conversation.Title!.Length);
    }
}
