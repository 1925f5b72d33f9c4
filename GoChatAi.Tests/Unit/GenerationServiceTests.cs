extern alias chatservice;

using System.Runtime.CompilerServices;
using chatservice::GoChatAi.ChatService.Application;
using chatservice::GoChatAi.ChatService.Application.Feeds;
using chatservice::GoChatAi.ChatService.Application.Commands;
using chatservice::GoChatAi.ChatService.Application.Generations;
using chatservice::GoChatAi.ChatService.Domain;
using GoChatAi.ServiceDefaults.Errors;
using Microsoft.Extensions.AI;

namespace GoChatAi.Tests.Unit;

/// <summary>
/// The rules of the generation path over fakes: what starting an answer checks and writes (nothing when it is
/// refused), how an answer ends (stopped by the model, cancelled, broken off, stored late), and cancelling one.
/// </summary>
public sealed class GenerationServiceTests : IAsyncLifetime
{
    private ChatFakes _fakes = null!;

    public async Task InitializeAsync() => _fakes = await ChatFakes.StartAsync();

    public async Task DisposeAsync() => await _fakes.DisposeAsync();

    private static StartGenerationCommand Ask(string message = "Hi there", Guid? conversationId = null, int? maxTokens = null) =>
        new(new GenerationTarget.NewMessage(message, conversationId, ParentId: null), Model: null, Temperature: null, maxTokens);

    private Task<StartedGeneration> StartAsync(StartGenerationCommand command, bool follow = true) =>
        _fakes.Generations.StartAsync(_fakes.UserId, command, follow, CancellationToken.None);

    private static async Task<List<FeedEntry>> ReadAllAsync(StartedGeneration started)
    {
        var events = new List<FeedEntry>();
        await foreach (var entry in started.Events!.ReadAllAsync())
        {
            events.Add(entry);
        }

        return events;
    }

    private async Task AssertNothingWrittenAsync(Func<Task> start, ErrorKind kind, string? field = null)
    {
        var error = await Assert.ThrowsAsync<ServiceException>(start);

        Assert.Equal(kind, error.Kind);
        if (field is not null)
        {
            Assert.Equal(field, Assert.Single(error.Violations).Field);
        }

        Assert.Empty(_fakes.Store.Started);
        Assert.Empty(_fakes.Store.Messages);
    }

    [Fact]
    public async Task An_answer_in_a_new_conversation_is_stored_and_streamed_from_the_users_message_to_its_end()
    {
        var started = await StartAsync(Ask());
        var events = await ReadAllAsync(started);
        var outcome = await started.Outcome;

        var (created, maybeUser, answer) = Assert.Single(_fakes.Store.Started);
        var user = Assert.IsType<Message>(maybeUser);
        Assert.Equal(started.ConversationId, created!.Id);
        Assert.Equal(_fakes.UserId, created.UserId);
        Assert.Equal("small", created.Model);
        Assert.Equal("Hi there", user.Content);
        Assert.Equal(6, user.TokenCount); // two words and the chat format's four
        Assert.Equal(answer.GenerationId, user.GenerationId);

        // The two pieces come as two deltas, or as one when they waited for the feed together (the writer joins them).
        var kinds = events.Select(e => e.Event.GetType()).ToList();
        Assert.Equal([typeof(MessageStored), typeof(AnswerStarted)], kinds[..2]);
        Assert.Equal(typeof(AnswerCompleted), kinds[^1]);
        Assert.InRange(kinds.Count, 4, 5);
        Assert.All(kinds[2..^1], kind => Assert.Equal(typeof(AnswerDelta), kind));
        Assert.Equal("Hello there", string.Concat(events.Select(e => e.Event).OfType<AnswerDelta>().Select(d => d.Text)));
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Sequence));
        Assert.Equal(user.Id, Assert.IsType<MessageStored>(events[0].Event).Message.Id);
        Assert.Equal(MessageStatus.Generating, Assert.IsType<AnswerStarted>(events[1].Event).Answer.Status);
        Assert.Equal(FinishReason.Stop, Assert.IsType<AnswerCompleted>(events[^1].Event).FinishReason);

        Assert.Null(outcome.Failure);
        Assert.Same(answer, outcome.Answer);
        Assert.Equal(MessageStatus.Finished, answer.Status);
        Assert.Equal(FinishReason.Stop, answer.FinishReason);
        Assert.Equal("Hello there", answer.Content);
        Assert.Equal(10, answer.PromptTokens);
        Assert.Equal(2, answer.CompletionTokens);
        var (_, usage) = Assert.Single(_fakes.Store.FinishedAnswers);
        Assert.Equal(_fakes.UserId, usage!.UserId);
        Assert.Equal(new DateOnly(2026, 11, 26), usage.Day);

        // After the caller has its answer: the quota is counted and the conversation is free again.
        await ChatFakes.EventuallyAsync(() => _fakes.Leases.Held.IsEmpty && _fakes.Limiter.TokensUsed.GetValueOrDefault(_fakes.UserId) == 12);
    }

    [Fact]
    public async Task An_answer_in_an_existing_conversation_is_sent_its_system_prompt_and_history()
    {
        var conversation = _fakes.AddConversation(systemPrompt: "Be brief.");
        await (await StartAsync(Ask("First question", conversation.Id), follow: false)).Outcome;

        var started = await StartAsync(Ask("Second question", conversation.Id), follow: false);
        await started.Outcome;

        Assert.Equal(2, _fakes.Store.Started.Count);
        var (created, user, _) = _fakes.Store.Started[1];
        Assert.Null(created);
        Assert.Equal(conversation.Id, user!.ConversationId);
        Assert.Equal(conversation.Id, started.ConversationId);
        Assert.Equal(2, _fakes.Limiter.Admitted);
        Assert.Equal(
            ["system: Be brief.", "user: First question", "assistant: Hello there", "user: Second question"],
            _fakes.Model.Requests.Last().Select(m => $"{m.Role}: {m.Text}"));
    }

    [Fact]
    public async Task The_model_is_asked_while_the_users_message_is_stored_and_nothing_is_shown_before_it_is()
    {
        _fakes.Store.StartHeld = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var starting = StartAsync(Ask());
        await ChatFakes.EventuallyAsync(() => !_fakes.Model.Requests.IsEmpty);
        Assert.False(starting.IsCompleted);
        Assert.True(_fakes.Feed.IsEmpty);
        Assert.Empty(_fakes.Store.Started);

        _fakes.Store.StartHeld.SetResult();
        var events = await ReadAllAsync(await starting);

        Assert.IsType<MessageStored>(events[0].Event);
        Assert.Equal("Hello there", string.Concat(events.Select(e => e.Event).OfType<AnswerDelta>().Select(d => d.Text)));
    }

    [Fact]
    public async Task A_users_message_the_database_could_not_take_stops_the_models_request_and_nothing_is_shown_or_kept()
    {
        var requestStopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _fakes.Model.Answer = ThinksUntilStopped;
        _fakes.Store.StartFails = true;

        var error = await Assert.ThrowsAsync<DependencyUnavailableException>(() => StartAsync(Ask()));

        Assert.Equal(DependencyFailure.Database, error.Dependency);
        await requestStopped.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Empty(_fakes.Store.Started);
        Assert.True(_fakes.Feed.IsEmpty);
        Assert.True(_fakes.Leases.Held.IsEmpty);
        Assert.Empty(_fakes.Store.FinishedAnswers);
        Assert.Equal(0, _fakes.Limiter.TokensUsed.GetValueOrDefault(_fakes.UserId));

        async IAsyncEnumerable<ChatResponseUpdate> ThinksUntilStopped([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            requestStopped.SetResult();
            cancellationToken.ThrowIfCancellationRequested();
            yield return new ChatResponseUpdate(ChatRole.Assistant, "Never seen");
        }
    }

    [Fact]
    public async Task Answers_whose_leases_another_replica_took_stop_in_every_round_trip_of_the_renewal()
    {
        await _fakes.Runner.StartAsync(CancellationToken.None);
        _fakes.Model.Answer = ct => ScriptedModel.Writes("Thinking", cancellation => Task.Delay(Timeout.Infinite, cancellation), ct);
        var started = new List<StartedGeneration>();
        for (var i = 0; i <= GenerationRunner.MaxLeasesPerRenewal; i++)
        {
            started.Add(await StartAsync(Ask($"Question {i}"), follow: false));
        }

        // More leases than one round trip renews: the renewal takes two, and each answer hears of its own lease.
        _fakes.Leases.Held.Clear();
        _fakes.Time.Advance(_fakes.Settings.GenerationLease / 3);

        await Task.WhenAll(started.Select(generation => generation.Outcome)).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.All(started, generation => Assert.Null(_fakes.Runner.Find(generation.Answer.GenerationId!.Value)));
    }

    [Fact]
    public async Task A_conversation_with_an_answer_running_refuses_another_with_failed_precondition_and_keeps_the_lease()
    {
        var conversation = _fakes.AddConversation();
        var running = Guid.CreateVersion7();
        _fakes.Leases.Held[conversation.Id] = running;

        await AssertNothingWrittenAsync(() => StartAsync(Ask(conversationId: conversation.Id)), ErrorKind.FailedPrecondition);

        Assert.Equal(running, _fakes.Leases.Held[conversation.Id]);
    }

    [Fact]
    public async Task The_next_answer_asked_while_the_last_ones_final_event_is_being_written_waits_for_it_instead_of_being_refused()
    {
        // The feed takes nothing for now: the first answer's events, its last included, wait to be written.
        _fakes.Feed.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = await StartAsync(Ask("First"), follow: false);
        var firstId = first.Answer.GenerationId!.Value;
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            while (_fakes.Runner.Find(firstId) is not { IsFinishing: true })
            {
                await Task.Delay(10, deadline.Token);
            }
        }

        // The lease is still the first answer's: it ends as its last event is written.
        var next = StartAsync(Ask("Next", conversationId: first.ConversationId));
        _fakes.Feed.Hold.SetResult();
        var second = await next;
        await ReadAllAsync(second);

        var feed = _fakes.Feed.EntriesOf(first.ConversationId);
        var firstEnd = feed.ToList().FindIndex(entry => entry.Event is AnswerCompleted { GenerationId: var id } && id == firstId);
        var secondStart = feed.ToList().FindIndex(entry => entry.Event.GenerationId == second.Answer.GenerationId);
        Assert.InRange(firstEnd, 0, secondStart - 1);
    }

    [Fact]
    public async Task A_request_past_the_users_limits_writes_nothing_and_frees_the_conversation()
    {
        var conversation = _fakes.AddConversation();
        _fakes.Limiter.Refusal = new ServiceException(ErrorKind.ResourceExhausted, "Too many requests.");

        await AssertNothingWrittenAsync(() => StartAsync(Ask(conversationId: conversation.Id)), ErrorKind.ResourceExhausted);

        Assert.True(_fakes.Leases.Held.IsEmpty);
    }

    [Fact]
    public async Task Another_users_conversation_is_not_found_and_nothing_is_written()
    {
        var foreign = _fakes.AddConversation(userId: Guid.CreateVersion7());

        await AssertNothingWrittenAsync(() => StartAsync(Ask(conversationId: foreign.Id)), ErrorKind.NotFound);

        Assert.True(_fakes.Leases.Held.IsEmpty);
    }

    [Fact]
    public async Task Max_tokens_above_the_models_limit_is_refused_naming_max_tokens()
    {
        await AssertNothingWrittenAsync(() => StartAsync(Ask(maxTokens: 101)), ErrorKind.InvalidArgument, "max_tokens");

        Assert.True(_fakes.Leases.Held.IsEmpty);
    }

    [Fact]
    public async Task A_message_that_leaves_no_room_for_the_answer_is_refused_naming_message()
    {
        // 3 (the request) + 844 words + 4 (the message) + 100 (the answer's room) = 951 tokens, of the 950 a window
        // of 1000 can be sent (5% are kept for the provider counting differently).
        var message = string.Join(' ', Enumerable.Repeat("word", 844));

        await AssertNothingWrittenAsync(() => StartAsync(Ask(message)), ErrorKind.InvalidArgument, "message");
        Assert.True(_fakes.Leases.Held.IsEmpty);

        await (await StartAsync(Ask(string.Join(' ', Enumerable.Repeat("word", 843))), follow: false)).Outcome;
        Assert.Single(_fakes.Store.Started);
    }

    [Fact]
    public async Task A_model_failure_ends_the_answer_incomplete_with_the_text_it_wrote()
    {
        _fakes.Model.Answer = ct => ScriptedModel.Writes("Part", _ => throw new HttpRequestException("reset"), ct);

        var started = await StartAsync(Ask());
        var events = await ReadAllAsync(started);
        var outcome = await started.Outcome;

        Assert.Equal(ErrorKind.Unavailable, outcome.Failure?.Kind);
        Assert.Equal(FinishReason.Incomplete, outcome.Answer.FinishReason);
        Assert.Equal("Part", outcome.Answer.Content);
        Assert.Equal(ErrorKind.Unavailable, Assert.IsType<AnswerFailed>(events[^1].Event).Kind);
        Assert.Single(_fakes.Store.FinishedAnswers);
    }

    [Fact]
    public async Task A_stream_that_closes_without_its_end_is_kept_as_incomplete()
    {
        _fakes.Model.Answer = ct => ScriptedModel.Writes("Part", _ => Task.CompletedTask, ct);

        var outcome = await (await StartAsync(Ask(), follow: false)).Outcome;

        Assert.Equal(ErrorKind.Unavailable, outcome.Failure?.Kind);
        Assert.Contains("broke off", outcome.Failure!.Message, StringComparison.Ordinal);
        Assert.Equal(FinishReason.Incomplete, outcome.Answer.FinishReason);
        // No usage from the provider: the tokens are counted here, the prompt's and the one word written.
        Assert.Equal(1, outcome.Answer.CompletionTokens);
    }

    [Fact]
    public async Task An_answer_the_database_could_not_take_is_stored_once_it_is_back_and_the_caller_hears_it_at_once()
    {
        _fakes.Store.FinishesToFail = 1;

        var outcome = await (await StartAsync(Ask(), follow: false)).Outcome;

        Assert.Equal(ErrorKind.Unavailable, outcome.Failure?.Kind);
        Assert.Empty(_fakes.Store.FinishedAnswers);
        // The job tries again a second later, then further apart: the clock is moved until it has.
        await ChatFakes.EventuallyAsync(() => _fakes.Store.FinishedAnswers.Count == 1, () => _fakes.Time.Advance(TimeSpan.FromSeconds(1)));
        Assert.Equal(FinishReason.Stop, _fakes.Store.FinishedAnswers[0].Answer.FinishReason);
    }

    [Fact]
    public async Task Cancelling_a_running_answer_keeps_its_text_as_cancelled()
    {
        _fakes.Model.Answer = ct => ScriptedModel.Writes("Half an", token => Task.Delay(Timeout.Infinite, token), ct);
        var started = await StartAsync(Ask());
        while ((await started.Events!.ReadAsync()).Event is not AnswerDelta)
        {
        }

        var answer = await _fakes.Generations.CancelAsync(_fakes.UserId, started.Answer.GenerationId!.Value, CancellationToken.None);

        Assert.Equal(MessageStatus.Finished, answer.Status);
        Assert.Equal(FinishReason.Cancelled, answer.FinishReason);
        Assert.Equal("Half an", answer.Content);
        Assert.Null((await started.Outcome).Failure);
        Assert.Equal(FinishReason.Cancelled, Assert.IsType<AnswerCompleted>((await started.Events.ReadAsync()).Event).FinishReason);
    }

    [Fact]
    public async Task Cancelling_an_answer_whose_server_died_ends_it_from_its_feed_as_cancelled()
    {
        var conversation = _fakes.AddConversation();
        var answer = Message.AnswerToBe(conversation.Id, "small", Guid.CreateVersion7(), _fakes.Time.GetUtcNow());
        _fakes.Store.Messages.Add(answer);
        var generationId = answer.GenerationId!.Value;
        await _fakes.Feed.AppendAsync([new FeedAppend(conversation.Id, [new AnswerDelta(generationId, "Written "), new AnswerDelta(generationId, "before")])]);

        var cancelled = await _fakes.Generations.CancelAsync(_fakes.UserId, generationId, CancellationToken.None);

        Assert.Equal(new[] { generationId }, _fakes.Leases.CancelRequests);
        Assert.Equal(FinishReason.Cancelled, cancelled.FinishReason);
        Assert.Equal("Written before", cancelled.Content);
        Assert.Equal(_fakes.UserId, Assert.Single(_fakes.Store.FinishedAnswers).Usage!.UserId);
        // What was written counts against today's tokens, as any answer's does.
        Assert.Equal(2, _fakes.Limiter.TokensUsed[_fakes.UserId]);
        Assert.Equal(FinishReason.Cancelled, Assert.IsType<AnswerCompleted>(_fakes.Feed.EntriesOf(conversation.Id)[^1].Event).FinishReason);
    }

    [Fact]
    public async Task Cancelling_a_finished_answer_returns_it_as_it_is()
    {
        var conversation = _fakes.AddConversation();
        var answer = Message.AnswerToBe(conversation.Id, "small", Guid.CreateVersion7(), _fakes.Time.GetUtcNow());
        answer.Finish("Done.", FinishReason.Stop, 3, 1);
        _fakes.Store.Messages.Add(answer);

        var returned = await _fakes.Generations.CancelAsync(_fakes.UserId, answer.GenerationId!.Value, CancellationToken.None);

        Assert.Same(answer, returned);
        Assert.Equal(FinishReason.Stop, returned.FinishReason);
        Assert.Empty(_fakes.Leases.CancelRequests);
        Assert.Empty(_fakes.Store.FinishedAnswers);
    }

    [Fact]
    public async Task Another_users_generation_or_an_unknown_one_is_not_found()
    {
        var foreign = _fakes.AddConversation(userId: Guid.CreateVersion7());
        var answer = Message.AnswerToBe(foreign.Id, "small", Guid.CreateVersion7(), _fakes.Time.GetUtcNow());
        _fakes.Store.Messages.Add(answer);

        foreach (var generationId in new[] { answer.GenerationId!.Value, Guid.CreateVersion7() })
        {
            var error = await Assert.ThrowsAsync<ServiceException>(() => _fakes.Generations.CancelAsync(_fakes.UserId, generationId, CancellationToken.None));
            Assert.Equal(ErrorKind.NotFound, error.Kind);
        }

        Assert.Equal(MessageStatus.Generating, answer.Status);
    }
}
