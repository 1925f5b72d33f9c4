using System.Globalization;
using System.Text;
using System.Text.Json;
using GoChatAi.ChatService.Application;
using GoChatAi.ChatService.Application.Archives;
using GoChatAi.ChatService.Grpc;
using GoChatAi.Contracts.Chat.V1;
using GoChatAi.ServiceDefaults.Authentication;
using GoChatAi.ServiceDefaults.Errors;
using GoChatAi.ServiceDefaults.Requests;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using DomainMessageRole = GoChatAi.ChatService.Domain.MessageRole;

namespace GoChatAi.ChatService.Http;

/// <summary>
/// The REST forms of ExportConversations and ImportConversations, which have no transcoded route: a file to download
/// and a file to upload.
/// <list type="bullet">
/// <item><c>GET /v1/chat/export?format=json|markdown[&amp;conversation_id=&lt;id&gt;]</c>: the caller's conversations (or
/// one) as an attachment, written as they are read, one conversation at a time. JSON is a ConversationArchive (each
/// conversation the proto JSON of an ExportedConversation), exactly what the import takes back; Markdown is for people:
/// each conversation's title, model and dates, then the messages of its active branch with who wrote them.</item>
/// <item><c>POST /v1/chat/import?format=gochatai|chatgpt</c>: the file itself as the body (JSON, at most
/// ChatOptions.MaxImportBytes); answers ImportConversationsResponse as JSON.</item>
/// </list>
/// Errors before the first byte have the status and body of every other REST call.
/// </summary>
public static class ChatArchiveEndpoints
{
    public const string ExportRoute = "/v1/chat/export";

    public const string ImportRoute = "/v1/chat/import";

    private static readonly JsonFormatter s_archiveFormatter = new(JsonFormatter.Settings.Default);

    // As JSON transcoding answers: zero counts and empty fields are written.
    private static readonly JsonFormatter s_responseFormatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));

    public static IEndpointRouteBuilder MapChatArchiveEndpoints(this IEndpointRouteBuilder app)
    {
        var maxImportBytes = app.ServiceProvider.GetRequiredService<IOptions<ChatOptions>>().Value.MaxImportBytes;
        app.MapGet(ExportRoute, ExportAsync)
            .RequireAuthorization()
            .WithSummary("Exports the caller's conversations (or one, with conversation_id) as a file to download: format=json "
                + "(a ConversationArchive, every message of every branch, what ImportConversations takes back) or format=markdown "
                + "(each conversation's active branch, for people). ExportConversations' REST form.");
        app.MapPost(ImportRoute, ImportAsync)
            .RequireAuthorization()
            .WithMetadata(new RestBodyReadByEndpoint(maxImportBytes))
            .WithSummary("Imports conversations from the file sent as the body: a GoChatAi export or ChatGPT's conversations.json "
                + "(format=gochatai|chatgpt, or absent to recognise it); answers ImportConversationsResponse. ImportConversations' REST form.");
        return app;
    }

    private static async Task ExportAsync(HttpContext http, ArchiveService archives, TimeProvider timeProvider)
    {
        var cancellationToken = http.RequestAborted;
        IAsyncEnumerator<ArchivedConversation>? conversations = null;
        try
        {
            var markdown = http.Request.Query["format"].FirstOrDefault() switch
            {
                null or "" or "json" => false,
                "markdown" => true,
                _ => throw ServiceException.InvalidArgument("format", "must be json or markdown"),
            };
            var request = new ExportConversationsRequest();
            if (http.Request.Query["conversation_id"].FirstOrDefault() is { } conversationId)
            {
                request.ConversationId = conversationId;
            }

            // The first conversation is read before the headers go out, so that a conversation not found is a 404.
            conversations = archives.ExportAsync(http.User.GetUserId(), request.ToConversationId(), cancellationToken).GetAsyncEnumerator(cancellationToken);
            var any = await conversations.MoveNextAsync();

            var now = timeProvider.GetUtcNow();
            var extension = markdown ? "md" : "json";
            var response = http.Response;
            response.ContentType = markdown ? "text/markdown; charset=utf-8" : "application/json; charset=utf-8";
            response.Headers.CacheControl = "no-store";
            response.Headers.ContentDisposition = new ContentDispositionHeaderValue("attachment")
            {
                FileName = $"gochatai-conversations-{now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}.{extension}",
            }.ToString();
            if (markdown)
            {
                await WriteMarkdownAsync(response, conversations, any, now, cancellationToken);
            }
            else
            {
                await WriteArchiveAsync(response, conversations, any, now, cancellationToken);
            }
        }
        catch (ServiceException exception) when (!http.Response.HasStarted)
        {
            await ServiceErrorHttpResponse.WriteAsync(http.Response, exception, cancellationToken);
        }
        finally
        {
            if (conversations is not null)
            {
                await conversations.DisposeAsync();
            }
        }
    }

    /// <summary>A ConversationArchive, written piece by piece: the envelope by hand, each conversation as the proto JSON of an ExportedConversation.</summary>
    private static async Task WriteArchiveAsync(HttpResponse response, IAsyncEnumerator<ArchivedConversation> conversations, bool any, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var writer = new Utf8JsonWriter(response.BodyWriter);
        writer.WriteStartObject();
        writer.WriteString("format", ImportFileReading.ArchiveFormat);
        writer.WriteNumber("version", ImportFileReading.ArchiveVersion);
        writer.WritePropertyName("exportedAt");
        writer.WriteRawValue(s_archiveFormatter.Format(Timestamp.FromDateTimeOffset(now)), skipInputValidation: true);
        writer.WriteStartArray("conversations");
        for (var more = any; more; more = await conversations.MoveNextAsync())
        {
            writer.WriteRawValue(s_archiveFormatter.Format(conversations.Current.ToProto()), skipInputValidation: true);
            await writer.FlushAsync(cancellationToken);
            await response.BodyWriter.FlushAsync(cancellationToken);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        await writer.FlushAsync(cancellationToken);
    }

    /// <summary>For people: per conversation its title, model and dates, then the messages of its active branch.</summary>
    private static async Task WriteMarkdownAsync(HttpResponse response, IAsyncEnumerator<ArchivedConversation> conversations, bool any, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await response.WriteAsync($"# GoChatAi conversations\n\nExported {Time(now)}.\n", cancellationToken);
        for (var more = any; more; more = await conversations.MoveNextAsync())
        {
            await response.WriteAsync(Markdown(conversations.Current), cancellationToken);
            await response.Body.FlushAsync(cancellationToken);
        }
    }

    private static string Markdown(ArchivedConversation archived)
    {
        var conversation = archived.Conversation;
        var path = archived.ActivePath();
        var text = new StringBuilder();
        text.Append("\n---\n\n## ").Append(Escape(conversation.Title is { Length: > 0 } title ? title : "Untitled conversation")).Append("\n\n");
        text.Append("- Model: ").Append(Escape(conversation.Model)).Append('\n');
        text.Append("- Created: ").Append(Time(conversation.CreatedAt)).Append('\n');
        text.Append("- Updated: ").Append(Time(conversation.UpdatedAt)).Append('\n');
        if (conversation.LastMessageAt is { } last)
        {
            text.Append("- Last message: ").Append(Time(last)).Append('\n');
        }

        text.Append("- Messages: ").Append(conversation.MessageCount.ToString(CultureInfo.InvariantCulture));
        if (path.Count < archived.Messages.Count)
        {
            text.Append(CultureInfo.InvariantCulture, $" ({path.Count} on the branch shown here; the others are in the JSON export)");
        }

        text.Append('\n');
        if (conversation.SystemPrompt is { Length: > 0 } prompt)
        {
            text.Append("\n> **System prompt:** ").Append(prompt.ReplaceLineEndings("\n> ")).Append('\n');
        }

        foreach (var message in path)
        {
            var author = message.Role switch
            {
                DomainMessageRole.User => "You",
                DomainMessageRole.Assistant => message.Model is { Length: > 0 } model ? $"Assistant ({Escape(model)})" : "Assistant",
                _ => "System",
            };
            text.Append("\n### ").Append(author).Append(" · ").Append(Time(message.CreatedAt)).Append("\n\n");
            text.Append(message.Content).Append('\n');
        }

        return text.ToString();
    }

    private static async Task ImportAsync(HttpContext http, ArchiveService archives, IOptions<ChatOptions> options)
    {
        var cancellationToken = http.RequestAborted;
        var maxBytes = options.Value.MaxImportBytes;
        try
        {
            var format = ImportFileReading.ParseFormat(http.Request.Query["format"].FirstOrDefault());
            var file = await RestRequestBodies.ReadBodyAsync(http.Request, maxBytes) ?? throw ImportFileReading.TooLarge(maxBytes);
            var command = ImportFileReading.Read(format, file, maxBytes);
            var report = await archives.ImportAsync(http.User.GetUserId(), command, cancellationToken);
            http.Response.ContentType = "application/json; charset=utf-8";
            await http.Response.WriteAsync(s_responseFormatter.Format(report.ToProto()), cancellationToken);
        }
        catch (ServiceException exception)
        {
            await ServiceErrorHttpResponse.WriteAsync(http.Response, exception, cancellationToken);
        }
    }

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>Text shown as itself in Markdown, not as markup.</summary>
    private static string Escape(string text)
    {
        var escaped = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (c is '\\' or '`' or '*' or '_' or '[' or ']' or '<' or '>' or '#' or '|')
            {
                escaped.Append('\\');
            }

            escaped.Append(char.IsControl(c) ? ' ' : c);
        }

        return escaped.ToString();
    }
}
