using GoChatAi.ChatService.Application;
using GoChatAi.ChatService.Application.Archives;
using GoChatAi.Contracts.Chat.V1;
using GoChatAi.ServiceDefaults.Errors;
using Google.Protobuf;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace GoChatAi.ChatService.Grpc;

/// <summary>
/// ConversationArchiveService over gRPC: export and import (their REST forms are <c>Http/ChatArchiveEndpoints</c>).
/// A service of its own because gRPC sets the size limit of a request per service, and an imported file may be far
/// larger (<see cref="ChatOptions.MaxImportBytes"/>) than any ChatService request (256 KiB).
/// </summary>
[Authorize]
public sealed class ConversationArchiveGrpcService(Application.Archives.ArchiveService archives, IOptions<ChatOptions> options)
    : Contracts.Chat.V1.ConversationArchiveService.ConversationArchiveServiceBase
{
    /// <summary>Room for the import request's other fields around the file.</summary>
    private const int ImportEnvelopeBytes = 1024;

    /// <summary>Set once the import's request was read: a RESOURCE_EXHAUSTED without it is gRPC's size limit.</summary>
    private static readonly object s_importRead = new();

    public override async Task ExportConversations(ExportConversationsRequest request, IServerStreamWriter<ExportedConversation> responseStream, ServerCallContext context)
    {
        var conversationId = request.ToConversationId();
        await foreach (var conversation in archives.ExportAsync(context.GetUserId(), conversationId, context.CancellationToken))
        {
            await responseStream.WriteAsync(conversation.ToProto(), context.CancellationToken);
        }
    }

    public override async Task<ImportConversationsResponse> ImportConversations(ImportConversationsRequest request, ServerCallContext context)
    {
        context.GetHttpContext().Items[s_importRead] = true;
        var command = request.ToCommand(options.Value.MaxImportBytes);
        return (await archives.ImportAsync(context.GetUserId(), command, context.CancellationToken)).ToProto();
    }

    /// <summary>The import's receive limit, from <see cref="ChatOptions.MaxImportBytes"/>.</summary>
    public static void AddTo(IServiceCollection services) =>
        services.AddOptions<GrpcServiceOptions<ConversationArchiveGrpcService>>()
            .Configure<IOptions<ChatOptions>>((grpc, chat) => grpc.MaxReceiveMessageSize = chat.Value.MaxImportBytes + ImportEnvelopeBytes);

    /// <summary>
    /// Maps the service. A file over the limit is refused by gRPC before it is read (RESOURCE_EXHAUSTED); it is answered
    /// as the REST upload answers it, INVALID_ARGUMENT naming the file.
    /// </summary>
    public static void MapTo(IEndpointRouteBuilder app)
    {
        var maxBytes = app.ServiceProvider.GetRequiredService<IOptions<ChatOptions>>().Value.MaxImportBytes;
        app.MapGrpcService<ConversationArchiveGrpcService>().Add(endpoint =>
        {
            var handle = endpoint.RequestDelegate!;
            endpoint.RequestDelegate = async http =>
            {
                await handle(http);
                var response = http.Response;
                if (!response.HasStarted && !http.Items.ContainsKey(s_importRead)
                    && response.Headers["grpc-status"] == ((int)StatusCode.ResourceExhausted).ToString(System.Globalization.CultureInfo.InvariantCulture)
                    && http.Request.Path.Value?.EndsWith("/ImportConversations", StringComparison.Ordinal) == true)
                {
                    response.Headers.Remove("grpc-status");
                    response.Headers.Remove("grpc-message");
                    await ServiceErrorHttpResponse.WriteAsync(response, ImportFileReading.TooLarge(maxBytes), http.RequestAborted);
                }
            };
        });
    }
}
