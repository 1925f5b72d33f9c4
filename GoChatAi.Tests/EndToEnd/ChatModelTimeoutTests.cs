using GoChatAi.Contracts.Chat.V1;
using GoChatAi.Tests.Infrastructure;
using Grpc.Core;

namespace GoChatAi.Tests.EndToEnd;

/// <summary>A model that stays silent past Model:Timeout fails the call with DEADLINE_EXCEEDED; nothing is lost.</summary>
[Collection(GoChatAiAppCollection.Name)]
public sealed class ChatModelTimeoutTests(GoChatAiAppFixture fixture)
{
    [Fact]
    public async Task A_model_silent_past_the_timeout_answers_deadline_exceeded_and_keeps_the_answer_incomplete()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        var conversation = await user.CreateConversationAsync("silent");
        var latency = GoChatAiAppFixture.ModelTimeout * 3;
        var message = "are you there " + DevModelJournal.Directive($"latency={(int)latency.TotalMilliseconds}ms", out var key);

        var error = await Assert.ThrowsAsync<RpcException>(() => user.Grpc.ChatWithAIAsync(
            new ChatWithAIRequest { ConversationId = conversation.Id, Message = message }, user.Options()).ResponseAsync);

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        var history = await user.HistoryAsync(conversation.Id);
        Assert.Equal(message, history[0].Content);
        Assert.Equal(MessageStatus.Finished, history[1].Status);
        Assert.Equal(FinishReason.Incomplete, history[1].FinishReason);
        // The service gave up on the request (closed it) rather than waiting the stand-in out, and did not retry it.
        var request = await DevModelJournal.WaitUntilEndedAsync(fixture, key);
        Assert.True((bool)request["clientAborted"]!, request.ToJsonString());
    }
}
