extern alias chatservice;

using chatservice::GoChatAi.ChatService.Application.Commands;
using chatservice::GoChatAi.ChatService.Application.Feeds;
using chatservice::GoChatAi.ChatService.Application.Generations;
using chatservice::GoChatAi.ChatService.Domain;
using GoChatAi.ServiceDefaults.Errors;

namespace GoChatAi.Tests.Unit;

/// <summary>
/// The rules of branching over fakes: where a regenerated answer and an edited message go in the tree, what the model
/// reads for them (the path before them, nothing of the branch they replace), and what is refused (nothing written).
/// </summary>
public sealed class ConversationBranchRulesTests : IAsyncLifetime
{
    private ChatFakes _fakes = null!;
    private Conversation _conversation = null!;

    // The conversation every test starts from: first question, its answer, second question, its answer.
    private Message _question1 = null!;
    private Message _answer1 = null!;
    private Message _question2 = null!;
    private Message _answer2 = null!;

    public async Task InitializeAsync()
    {
        _fakes = await ChatFakes.StartAsync();
        _conversation = _fakes.AddConversation();
        (var question1, _answer1) = await AskAsync(new GenerationTarget.NewMessage("First question", _conversation.Id, ParentId: null));
        (var question2, _answer2) = await AskAsync(new GenerationTarget.NewMessage("Second question", _conversation.Id, ParentId: null));
        (_question1, _question2) = (question1!, question2!);
    }

    public async Task DisposeAsync() => await _fakes.DisposeAsync();

    private async Task<(Message? User, Message Answer)> AskAsync(GenerationTarget target)
    {
        var started = await _fakes.Generations.StartAsync(_fakes.UserId, new StartGenerationCommand(target, null, null, null), follow: false, CancellationToken.None);
        var outcome = await started.Outcome;
        Assert.Null(outcome.Failure);
        await ChatFakes.EventuallyAsync(() => _fakes.Leases.Held.IsEmpty);
        return (started.UserMessage, started.Answer);
    }

    private IEnumerable<string> LastContext() => _fakes.Model.Requests.Last().Select(m => $"{m.Role}: {m.Text}");

    private async Task AssertRefusedAsync(GenerationTarget target, ErrorKind kind, string? field = null)
    {
        var (started, messages) = (_fakes.Store.Started.Count, _fakes.Store.Messages.Count);

        var error = await Assert.ThrowsAsync<ServiceException>(() =>
            _fakes.Generations.StartAsync(_fakes.UserId, new StartGenerationCommand(target, null, null, null), follow: false, CancellationToken.None));

        Assert.Equal(kind, error.Kind);
        if (field is not null)
        {
            Assert.Equal(field, Assert.Single(error.Violations).Field);
        }

        Assert.Equal(started, _fakes.Store.Started.Count);
        Assert.Equal(messages, _fakes.Store.Messages.Count);
        Assert.Equal(_answer2.Id, _fakes.Store.ActiveLeafOf(_conversation.Id));
    }

    [Fact]
    public void A_conversation_is_a_line_until_it_branches()
    {
        Assert.Equal([null, _question1.Id, _answer1.Id, _question2.Id], new[] { _question1, _answer1, _question2, _answer2 }.Select(m => m.ParentId));
        Assert.Equal([0, 1, 2, 3], new[] { _question1, _answer1, _question2, _answer2 }.Select(m => m.Depth));
        Assert.Equal(_answer2.Id, _fakes.Store.ActiveLeafOf(_conversation.Id));
    }

    [Fact]
    public async Task A_regenerated_answer_goes_beside_the_old_one_and_the_model_reads_the_path_up_to_the_question()
    {
        var (user, answer) = await AskAsync(new GenerationTarget.NewAnswer(_conversation.Id, _answer2.Id));

        Assert.Null(user);
        Assert.Equal(_question2.Id, answer.ParentId);
        Assert.Equal(_answer2.Depth, answer.Depth);
        Assert.Equal(answer.Id, _fakes.Store.ActiveLeafOf(_conversation.Id));
        Assert.Equal(["user: First question", "assistant: Hello there", "user: Second question"], LastContext());
        // No user's message is announced: only the new answer's events.
        Assert.DoesNotContain(_fakes.Feed.EntriesOf(_conversation.Id).Where(e => e.Event.GenerationId == answer.GenerationId), e => e.Event is MessageStored);
    }

    [Fact]
    public async Task A_users_message_named_for_a_new_answer_is_answered_again()
    {
        var (user, answer) = await AskAsync(new GenerationTarget.NewAnswer(_conversation.Id, _question2.Id));

        Assert.Null(user);
        Assert.Equal(_question2.Id, answer.ParentId);
        Assert.Equal(["user: First question", "assistant: Hello there", "user: Second question"], LastContext());
    }

    [Fact]
    public async Task An_edited_message_goes_beside_the_old_one_and_the_model_reads_the_path_before_it_then_the_new_text()
    {
        var (user, answer) = await AskAsync(new GenerationTarget.EditedMessage(_conversation.Id, _question2.Id, "Second question, better put"));

        Assert.Equal(_answer1.Id, user!.ParentId);
        Assert.Equal(_question2.Depth, user.Depth);
        Assert.Equal(user.Id, answer.ParentId);
        Assert.Equal(answer.Id, _fakes.Store.ActiveLeafOf(_conversation.Id));
        Assert.Equal(["user: First question", "assistant: Hello there", "user: Second question, better put"], LastContext());
    }

    [Fact]
    public async Task The_first_message_edited_starts_a_new_first_message_and_the_model_reads_only_it()
    {
        var (user, _) = await AskAsync(new GenerationTarget.EditedMessage(_conversation.Id, _question1.Id, "Another start"));

        Assert.Null(user!.ParentId);
        Assert.Equal(0, user.Depth);
        Assert.Equal(["user: Another start"], LastContext());
    }

    [Fact]
    public async Task A_new_message_after_a_named_parent_follows_it_and_the_model_reads_the_path_to_it()
    {
        var (user, _) = await AskAsync(new GenerationTarget.NewMessage("Instead of the second", _conversation.Id, _answer1.Id));

        Assert.Equal(_answer1.Id, user!.ParentId);
        Assert.Equal(["user: First question", "assistant: Hello there", "user: Instead of the second"], LastContext());
    }

    [Fact]
    public Task An_answer_cannot_be_edited() =>
        AssertRefusedAsync(new GenerationTarget.EditedMessage(_conversation.Id, _answer1.Id, "New words"), ErrorKind.InvalidArgument, "message_id");

    [Fact]
    public Task A_parent_of_another_conversation_is_refused_naming_parent_message_id()
    {
        var other = _fakes.AddConversation();
        return AssertRefusedAsync(new GenerationTarget.NewMessage("Hello", other.Id, _answer1.Id), ErrorKind.InvalidArgument, "parent_message_id");
    }

    [Fact]
    public Task A_message_of_another_conversation_is_not_found_for_a_new_answer()
    {
        var other = _fakes.AddConversation();
        return AssertRefusedAsync(new GenerationTarget.NewAnswer(other.Id, _answer1.Id), ErrorKind.NotFound);
    }

    [Fact]
    public Task A_message_of_another_users_conversation_is_not_found_for_an_edit()
    {
        var foreign = _fakes.AddConversation(userId: Guid.CreateVersion7());
        return AssertRefusedAsync(new GenerationTarget.EditedMessage(foreign.Id, _question1.Id, "Mine now"), ErrorKind.NotFound);
    }

    [Fact]
    public async Task An_answer_still_being_generated_is_not_regenerated()
    {
        var generating = Message.AnswerToBe(_conversation.Id, "small", Guid.CreateVersion7(), DateTimeOffset.UtcNow);
        generating.Place(_answer2.Next);
        _fakes.Store.Messages.Add(generating);

        await AssertRefusedAsync(new GenerationTarget.NewAnswer(_conversation.Id, generating.Id), ErrorKind.FailedPrecondition);
    }

    [Fact]
    public async Task A_first_message_that_is_an_answer_has_nothing_to_regenerate_from()
    {
        var answerFirst = Message.FromAssistant(_conversation.Id, "I speak first", "small", 5, DateTimeOffset.UtcNow);
        answerFirst.Place(MessagePlace.First);
        _fakes.Store.Messages.Add(answerFirst);

        await AssertRefusedAsync(new GenerationTarget.NewAnswer(_conversation.Id, answerFirst.Id), ErrorKind.InvalidArgument, "message_id");
    }

    [Fact]
    public async Task A_regeneration_while_another_answer_runs_is_refused()
    {
        _fakes.Leases.Held[_conversation.Id] = Guid.CreateVersion7();

        var error = await Assert.ThrowsAsync<ServiceException>(() => _fakes.Generations.StartAsync(
            _fakes.UserId, new StartGenerationCommand(new GenerationTarget.NewAnswer(_conversation.Id, _answer2.Id), null, null, null), follow: false, CancellationToken.None));

        Assert.Equal(ErrorKind.FailedPrecondition, error.Kind);
        Assert.Equal(2, _fakes.Store.Started.Count);
    }

    [Fact]
    public void A_message_is_placed_once_and_only_a_first_message_has_no_parent()
    {
        var message = Message.FromUser(_conversation.Id, "text", 5, null, DateTimeOffset.UtcNow);

        Assert.Throws<ArgumentException>(() => message.Place(new MessagePlace(null, 3)));
        Assert.Throws<ArgumentException>(() => message.Place(new MessagePlace(Guid.CreateVersion7(), 0)));
        message.Place(_answer2.Next);
        Assert.Throws<InvalidOperationException>(() => message.Place(_answer2.Next));
        Assert.Equal((_answer2.Id, 4), (message.ParentId, message.Depth));
    }
}
