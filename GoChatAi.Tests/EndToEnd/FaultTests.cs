using System.Collections.Concurrent;
using System.Net;
using Aspire.Hosting.ApplicationModel;
using GoChatAi.Contracts.Chat.V1;
using GoChatAi.Tests.Infrastructure;
using Grpc.Core;

namespace GoChatAi.Tests.EndToEnd;

/// <summary>
/// Faults under load: a service killed mid-answer, the database and the cache frozen or restarted while users
/// chat. Afterwards every acknowledged message is there, no answer is left generating, every conversation takes a
/// new message, no call failed with anything but a clear UNAVAILABLE, and readiness went red and green by itself.
/// </summary>
[Collection(GoChatAiAppCollection.Name)]
public sealed class FaultTests(GoChatAiAppFixture fixture)
{
    /// <summary>How long a Kubernetes probe waits for an answer: a readiness check must answer within it, whatever a dependency does.</summary>
    private static readonly TimeSpan s_probeTimeout = TimeSpan.FromSeconds(3);

    /// <summary>How long a caller waits for a call whose dependency is gone: it must hear UNAVAILABLE before that.</summary>
    private static readonly TimeSpan s_callPatience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_chat_service_killed_mid_answer_leaves_the_answer_incomplete_with_its_text_and_the_conversation_free()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        using var call = user.Grpc.StreamChat(
            new ChatWithAIRequest { Message = "a long answer " + DevModelJournal.Directive("tokens=400; slow=50ms", out _) }, user.Options());
        var events = new List<ChatEvent>();
        while (events.Count(e => e.EventCase == ChatEvent.EventOneofCase.Delta) < 5 && await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            events.Add(call.ResponseStream.Current);
        }

        var (conversationId, generationId, cursor) = (events[0].ConversationId, events[0].GenerationId, events[^1].Cursor);
        var received = Text(events);

        var chatService = new ResourceProcesses(fixture, "chatservice");
        await chatService.KillAsync();
        await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
            }
        });
        await chatService.StartAsync();

        // Another replica (here the restarted one) ends the answer once its lease lapses, with the text the feed holds.
        var answer = await user.WaitForFinishedAnswerAsync(conversationId, generationId);
        Assert.Equal(FinishReason.Incomplete, answer.FinishReason);
        Assert.StartsWith(received, answer.Content, StringComparison.Ordinal);

        // A client resuming the stream gets the rest and its end, instead of keep-alives forever.
        using var rest = user.Rest();
        using var resume = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/ai/stream") { Content = RestJson.Json(new { message = "ignored" }) };
        resume.Headers.Add("Last-Event-ID", cursor);
        using var resumed = await rest.SendAsync(resume, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new ServerSentEventReader(await resumed.Content.ReadAsStreamAsync());
        var tail = new List<ServerSentEventReader.SseEvent>();
        while (await reader.ReadAsync(CancellationToken.None) is { } sse)
        {
            tail.Add(sse);
        }

        Assert.Equal("failed", tail[^1].Name);

        // The conversation is free: a new message is answered.
        var next = await user.Grpc.ChatWithAIAsync(new ChatWithAIRequest { ConversationId = conversationId, Message = "still there?" }, user.Options());
        Assert.Equal(FinishReason.Stop, next.FinishReason);
    }

    public enum Fault
    {
        FreezeCache,
        RestartCache,
        FreezeDatabase,
        RestartDatabase,
    }

    [Theory]
    [InlineData(Fault.FreezeCache)]
    [InlineData(Fault.RestartCache)]
    [InlineData(Fault.FreezeDatabase)]
    [InlineData(Fault.RestartDatabase)]
    public async Task Under_load_a_dependency_fault_loses_no_acknowledged_message_and_the_system_recovers_by_itself(Fault fault)
    {
        var users = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => ChatUser.SignUpAsync(fixture)));
        var signedOut = await ChatUser.SignUpAsync(fixture);
        await new TestAccounts(fixture).Auth.SignOutAsync(new Contracts.Auth.V1.SignOutRequest(), signedOut.Headers);
        await using var load = await SteadyLoad.StartAsync(fixture, users);
        await load.UntilEachUserAcknowledgedAsync(2);

        using var probes = fixture.CreateRestClient("chatservice");
        probes.Timeout = s_probeTimeout;
        var server = fault is Fault.FreezeCache or Fault.RestartCache ? CacheServer.ResourceName(fixture) : "postgres";
        var processes = new ResourceProcesses(fixture, server);
        // An answer streaming when the fault strikes.
        var streamer = users[0];
        using var stream = streamer.Grpc.StreamChat(new ChatWithAIRequest { Message = "through the fault [[devmodel: tokens=60; slow=100ms]]" }, streamer.Options());
        Assert.True(await stream.ResponseStream.MoveNext(CancellationToken.None));
        try
        {
            await InjectAsync(fault, processes);
            await ProbeUntilAsync(probes, HttpStatusCode.ServiceUnavailable);
            // A call that needs the missing dependency fails clearly within its caller's patience, never hangs.
            var bounded = await Assert.ThrowsAsync<RpcException>(() => streamer.Grpc.GetHistoryAsync(
                new GetHistoryRequest { ConversationId = load.Conversations.First().ConversationId },
                new CallOptions(streamer.Headers, DateTime.UtcNow + s_callPatience)).ResponseAsync);
            Assert.Equal(StatusCode.Unavailable, bounded.StatusCode);
            // A while in the fault, with the users still at it.
            await Task.Delay(TimeSpan.FromSeconds(4));
        }
        finally
        {
            await RecoverAsync(fault, processes);
        }

        await ProbeUntilAsync(probes, HttpStatusCode.OK);
        await load.UntilEachUserAcknowledgedAsync(load.AcknowledgedPerUser + 2);
        await load.StopAsync();

        // No revoked token is accepted afterwards (the revocation list may still be being rebuilt for a moment).
        Assert.Equal(StatusCode.Unauthenticated, await StatusOnceAvailableAsync(() => signedOut.Grpc.ListConversationsAsync(new ListConversationsRequest(), signedOut.Options()).ResponseAsync));

        // The stream that was running ended with its final event, or with UNAVAILABLE; it did not hang.
        var last = await ReadToEndAsync(stream.ResponseStream);
        Assert.True(last is null || ChatEventsAreFinal(last), $"the stream ended with {last}");

        Assert.True(load.UnexpectedFailures.IsEmpty, string.Join("\n", load.UnexpectedFailures));
        foreach (var (user, conversationId, acknowledged) in load.Conversations)
        {
            // No answer left generating: those that were cut end by themselves.
            var history = await WaitUntilNothingGeneratingAsync(user, conversationId);
            var stored = history.Where(m => m.Role == Role.User).Select(m => m.Content).ToHashSet();
            Assert.All(acknowledged, text => Assert.Contains(text, stored));
            // No conversation left locked.
            var next = await user.Grpc.ChatWithAIAsync(new ChatWithAIRequest { ConversationId = conversationId, Message = "after the fault" }, user.Options());
            Assert.Equal(FinishReason.Stop, next.FinishReason);
        }
    }

    private static Task InjectAsync(Fault fault, ResourceProcesses processes) =>
        fault is Fault.FreezeCache or Fault.FreezeDatabase ? processes.FreezeAsync() : processes.StopAsync();

    private static Task RecoverAsync(Fault fault, ResourceProcesses processes) =>
        fault is Fault.FreezeCache or Fault.FreezeDatabase ? processes.ThawAsync() : processes.StartAsync();

    /// <summary>Polls readiness until it says <paramref name="expected"/>; every probe must answer within its timeout.</summary>
    private static async Task ProbeUntilAsync(HttpClient probes, HttpStatusCode expected)
    {
        using var deadline = new CancellationTokenSource(GoChatAiAppFixture.StepTimeout);
        while (true)
        {
            HttpStatusCode status;
            try
            {
                using var response = await probes.GetAsync("/health/ready", deadline.Token);
                status = response.StatusCode;
            }
            catch (TaskCanceledException) when (!deadline.IsCancellationRequested)
            {
                Assert.Fail($"A readiness probe did not answer within {s_probeTimeout.TotalSeconds} s.");
                return;
            }

            if (status == expected)
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), deadline.Token);
        }
    }

    /// <summary>The status a call ends with once it no longer answers UNAVAILABLE.</summary>
    private static async Task<StatusCode> StatusOnceAvailableAsync(Func<Task> call)
    {
        using var deadline = new CancellationTokenSource(GoChatAiAppFixture.StepTimeout);
        while (true)
        {
            try
            {
                await call();
                return StatusCode.OK;
            }
            catch (RpcException exception) when (exception.StatusCode != StatusCode.Unavailable)
            {
                return exception.StatusCode;
            }
            catch (RpcException)
            {
                await Task.Delay(250, deadline.Token);
            }
        }
    }

    /// <summary>The stream's last event, or null when it ended with UNAVAILABLE; a stream that hangs fails the test.</summary>
    private static async Task<ChatEvent?> ReadToEndAsync(IAsyncStreamReader<ChatEvent> stream)
    {
        ChatEvent? last = null;
        try
        {
            while (await stream.MoveNext(CancellationToken.None).WaitAsync(GoChatAiAppFixture.StepTimeout))
            {
                last = stream.Current;
            }
        }
        catch (RpcException exception) when (exception.StatusCode == StatusCode.Unavailable)
        {
            return null;
        }

        return last;
    }

    private static bool ChatEventsAreFinal(ChatEvent chatEvent) =>
        chatEvent.EventCase is ChatEvent.EventOneofCase.Completed or ChatEvent.EventOneofCase.Failed;

    private static async Task<List<Message>> WaitUntilNothingGeneratingAsync(ChatUser user, string conversationId)
    {
        using var deadline = new CancellationTokenSource(ChatUser.CallTimeout);
        while (true)
        {
            var history = await user.HistoryAsync(conversationId);
            if (history.All(m => m.Status != MessageStatus.Generating))
            {
                return history;
            }

            await Task.Delay(250, deadline.Token);
        }
    }

    private static string Text(IEnumerable<ChatEvent> events) =>
        string.Concat(events.Where(e => e.EventCase == ChatEvent.EventOneofCase.Delta).Select(e => e.Delta.Text));

    /// <summary>
    /// Users chatting steadily, each in a conversation of their own: a message stored, then an answer, again and
    /// again. It keeps what was acknowledged (what a user may expect to find later) and every failure that is not
    /// one of a dependency's (UNAVAILABLE) or of an answer still running in the conversation (FAILED_PRECONDITION).
    /// </summary>
    private sealed class SteadyLoad : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly List<(ChatUser User, string ConversationId, ConcurrentBag<string> Acknowledged)> _conversations = [];
        private readonly List<Task> _loops = [];

        public ConcurrentQueue<string> UnexpectedFailures { get; } = new();

        public IEnumerable<(ChatUser User, string ConversationId, ConcurrentBag<string> Acknowledged)> Conversations => _conversations;

        public int AcknowledgedPerUser => _conversations.Min(c => c.Acknowledged.Count);

        private TestAccounts _accounts = null!;

        public static async Task<SteadyLoad> StartAsync(GoChatAiAppFixture fixture, IEnumerable<ChatUser> users)
        {
            var load = new SteadyLoad { _accounts = new TestAccounts(fixture) };
            foreach (var user in users)
            {
                var conversation = await user.CreateConversationAsync("under load");
                var acknowledged = new ConcurrentBag<string>();
                load._conversations.Add((user, conversation.Id, acknowledged));
                load._loops.Add(Task.Run(() => load.ChatAsync(user, conversation.Id, acknowledged)));
            }

            return load;
        }

        public async Task UntilEachUserAcknowledgedAsync(int count)
        {
            using var deadline = new CancellationTokenSource(GoChatAiAppFixture.StepTimeout);
            while (AcknowledgedPerUser < count)
            {
                await Task.Delay(100, deadline.Token);
            }
        }

        public async Task StopAsync()
        {
            await _stop.CancelAsync();
            await Task.WhenAll(_loops);
        }

        public async ValueTask DisposeAsync()
        {
            await StopAsync();
            _stop.Dispose();
        }

        private async Task ChatAsync(ChatUser user, string conversationId, ConcurrentBag<string> acknowledged)
        {
            for (var i = 0; !_stop.IsCancellationRequested; i++)
            {
                var text = $"message {i} of {conversationId}";
                await TryAsync(async options =>
                {
                    await user.Grpc.SendMessageAsync(new SendMessageRequest { ConversationId = conversationId, Content = text }, options);
                    acknowledged.Add(text);
                });
                if (i % 3 == 0)
                {
                    // Signing in goes on (the throttle counts in memory while the cache is away) or says UNAVAILABLE.
                    await TryAsync(async options => await _accounts.Auth.SignInAsync(
                        new Contracts.Auth.V1.SignInRequest { Email = user.Email, Password = TestAccounts.Password }, options));
                }

                var question = $"question {i} of {conversationId} [[devmodel: tokens=5; slow=20ms]]";
                await TryAsync(async options =>
                {
                    await user.Grpc.ChatWithAIAsync(new ChatWithAIRequest { ConversationId = conversationId, Message = question }, options);
                    acknowledged.Add(question);
                });
                // Within the per-minute limit.
                await Task.Delay(TimeSpan.FromSeconds(1.2), CancellationToken.None);
            }

            async Task TryAsync(Func<CallOptions, Task> call)
            {
                try
                {
                    await call(new CallOptions(user.Headers, DateTime.UtcNow + ChatUser.CallTimeout));
                }
                catch (RpcException exception) when (exception.StatusCode is StatusCode.Unavailable or StatusCode.FailedPrecondition)
                {
                    // What a fault may answer: a clear "try again".
                }
                catch (RpcException exception)
                {
                    UnexpectedFailures.Enqueue($"{exception.StatusCode}: {exception.Status.Detail}");
                }
            }
        }
    }
}
