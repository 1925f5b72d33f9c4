using GoChatAi.Contracts.Auth.V1;
using GoChatAi.Contracts.Chat.V1;
using GoChatAi.Tests.Infrastructure;

namespace GoChatAi.Tests.EndToEnd;

/// <summary>
/// Deleting a user in the AuthService deletes its conversations and messages in the ChatService's database, and
/// nobody else's; the usage ledger, the billing record, stays. No API shows a deleted user's data, so the test
/// reads the chat database itself.
/// </summary>
[Collection(GoChatAiAppCollection.Name)]
public sealed class DeletedUserChatDataTests(GoChatAiAppFixture fixture)
{
    [Fact]
    public async Task A_deleted_users_conversations_leave_the_chat_database_and_its_usage_stays()
    {
        var deleted = await ChatUser.SignUpAsync(fixture);
        var bystander = await ChatUser.SignUpAsync(fixture);
        var stored = await deleted.CreateConversationAsync("stored messages");
        await deleted.Grpc.SendMessageAsync(new SendMessageRequest { ConversationId = stored.Id, Content = "a message to keep" }, deleted.Options());
        var answered = await deleted.Grpc.ChatWithAIAsync(new ChatWithAIRequest { Message = "an answered message" }, deleted.Options());
        await bystander.CreateConversationAsync("not to be deleted");
        Guid[] conversations = [Guid.Parse(stored.Id), Guid.Parse(answered.ConversationId)];
        Assert.Equal(2, await CountConversationsAsync(deleted.UserId));
        Assert.Equal(3, await CountMessagesAsync(conversations));
        var usage = await CountAsync("SELECT count(*) FROM usage_ledger WHERE \"UserId\" = @id", ("id", deleted.UserId));
        Assert.True(usage > 0, "the answer's usage is in the ledger");

        await new TestAccounts(fixture).Users.DeleteUserAsync(new DeleteUserRequest { Id = deleted.UserId.ToString() }, deleted.Headers);

        // The ChatService deletes them within seconds; a minute is a generous bound on a busy machine.
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (await CountConversationsAsync(deleted.UserId) > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }

        Assert.Equal(0, await CountConversationsAsync(deleted.UserId));
        Assert.Equal(0, await CountMessagesAsync(conversations));
        Assert.Equal(usage, await CountAsync("SELECT count(*) FROM usage_ledger WHERE \"UserId\" = @id", ("id", deleted.UserId)));
        Assert.Equal(1, await CountConversationsAsync(bystander.UserId));
    }

    private Task<long> CountConversationsAsync(Guid userId) =>
        CountAsync("SELECT count(*) FROM conversations WHERE \"UserId\" = @id", ("id", userId));

    private Task<long> CountMessagesAsync(Guid[] conversationIds) =>
        CountAsync("SELECT count(*) FROM messages WHERE \"ConversationId\" = ANY(@ids)", ("ids", conversationIds));

    private Task<long> CountAsync(string sql, params (string Name, object Value)[] parameters) =>
        ServiceDatabase.CountAsync(fixture, "chatdb", sql, parameters);
}
