using GoChatAi.ChatService.Application.Archives;
using GoChatAi.ChatService.Application.Commands;
using GoChatAi.Contracts.Chat.V1;
using GoChatAi.ServiceDefaults.Errors;

namespace GoChatAi.ChatService.Grpc;

/// <summary>Export and import between the API's messages and the application: the requests parsed once, the results mapped with <see cref="ProtoMapping"/>.</summary>
internal static class ArchiveMapping
{
    /// <summary>The one conversation to export, or null for all of the caller's.</summary>
    public static Guid? ToConversationId(this ExportConversationsRequest request)
    {
        var check = new RequestValidation();
        var conversationId = check.OptionalId("conversation_id", request.HasConversationId ? request.ConversationId : null);
        check.ThrowIfInvalid();
        return conversationId;
    }

    /// <summary>A conversation whole: its messages each after its parent, with parent_id and no siblings.</summary>
    public static ExportedConversation ToProto(this ArchivedConversation archived) => new()
    {
        Conversation = archived.Conversation.ToProto(),
        Messages = { archived.Messages.Select(m => m.ToProto()) },
    };

    public static ImportConversationsResponse ToProto(this IReadOnlyList<ImportedItemReport> items)
    {
        var response = new ImportConversationsResponse();
        foreach (var item in items)
        {
            response.Items.Add(new ImportedItem
            {
                SourceId = item.SourceId,
                Title = item.Title ?? "",
                Outcome = item.Result switch
                {
                    ImportResult.Imported => ImportOutcome.Imported,
                    ImportResult.Duplicate => ImportOutcome.Duplicate,
                    _ => ImportOutcome.Refused,
                },
                ConversationId = item.ConversationId?.ToString() ?? "",
                MessageCount = item.MessageCount,
                Reason = item.Reason,
            });
        }

        response.ImportedCount = items.Count(i => i.Result == ImportResult.Imported);
        response.DuplicateCount = items.Count(i => i.Result == ImportResult.Duplicate);
        response.RefusedCount = items.Count(i => i.Result == ImportResult.Refused);
        return response;
    }
}
