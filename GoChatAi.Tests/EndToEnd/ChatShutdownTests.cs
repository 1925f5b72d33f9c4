using Aspire.Hosting.ApplicationModel;
using GoChatAi.Contracts.Chat.V1;
using GoChatAi.Tests.Infrastructure;
using Grpc.Core;

namespace GoChatAi.Tests.EndToEnd;

/// <summary>
/// SIGTERM during a stream: readiness turns false first, and only after the drain delay (three seconds in the tests)
/// does the service end the running answer (stored incomplete, with what was generated) and close the stream with
/// its final event, instead of cutting it when the grace period runs out.
/// </summary>
[Collection(GoChatAiAppCollection.Name)]
public sealed class ChatShutdownTests(GoChatAiAppFixture fixture)
{
    [Fact]
    public async Task Stopping_the_service_mid_stream_ends_the_stream_cleanly_and_keeps_the_partial_answer()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        using var call = user.Grpc.StreamChat(
            new ChatWithAIRequest { Message = "a long answer, please " + DevModelJournal.Directive("tokens=400; slow=50ms", out _) }, user.Options());
        var events = new List<ChatEvent>();
        while (events.Count(e => e.EventCase == ChatEvent.EventOneofCase.Delta) < 3 && await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            events.Add(call.ResponseStream.Current);
        }

        using var probes = await fixture.CreateDirectRestClientAsync("chatservice");
        var order = 0;
        int notReadyAt = 0, endedAt = 0;
        var chatService = new ResourceProcesses(fixture, "chatservice");
        var stopping = chatService.StopAsync();
        try
        {
            var watchReadiness = Task.Run(async () =>
            {
                await HttpPolling.UntilStatusAsync(probes, "/health/ready", System.Net.HttpStatusCode.ServiceUnavailable);
                notReadyAt = Interlocked.Increment(ref order);
            });

            // The stream must end by itself, with a final event, not with a transport error.
            while (await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(GoChatAiAppFixture.StepTimeout))
            {
                events.Add(call.ResponseStream.Current);
            }

            endedAt = Interlocked.Increment(ref order);
            await watchReadiness.WaitAsync(GoChatAiAppFixture.StepTimeout);
        }
        finally
        {
            // Started again only once every process of it is gone (its fixed port free) and the AppHost saw it stop.
            await stopping.WaitAsync(GoChatAiAppFixture.StepTimeout);
            await chatService.StartAsync();
        }

        // Load balancers were told first; the answer was cut only after the drain delay.
        Assert.True(notReadyAt < endedAt, $"readiness turned false ({notReadyAt}) after the stream ended ({endedAt})");
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
        Assert.Contains(events[^1].EventCase, new[] { ChatEvent.EventOneofCase.Failed, ChatEvent.EventOneofCase.Completed });
        var answer = (await user.HistoryAsync(events[0].ConversationId)).Single(m => m.Role == Role.Assistant);
        Assert.Equal(FinishReason.Incomplete, answer.FinishReason);
        Assert.Equal(string.Concat(events.Where(e => e.EventCase == ChatEvent.EventOneofCase.Delta).Select(e => e.Delta.Text)), answer.Content);
        Assert.True(answer.Content.Length > 0);
    }
}
