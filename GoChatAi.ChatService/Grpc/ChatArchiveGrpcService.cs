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
/// ChatService.ExportConversations and ChatService.ImportConversations over gRPC (their REST forms are
/// <c>Http/ChatArchiveEndpoints</c>). They are served by a class of their own, not by <see cref="ChatGrpcService"/>,
/// because gRPC sets a request's size limit per class, and an import's file may be far larger (ChatOptions.MaxImportBytes)
/// than any other request (256 KiB): these two routes take precedence over the ones ChatGrpcService leaves unimplemented.
/// </summary>
[Authorize]
public sealed class ChatArchiveGrpcService(ConversationArchiveService archives, IOptions<ChatOptions> options) : ChatArchiveServiceBase
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
        services.AddOptions<GrpcServiceOptions<ChatArchiveGrpcService>>()
            .Configure<IOptions<ChatOptions>>((grpc, chat) => grpc.MaxReceiveMessageSize = chat.Value.MaxImportBytes + ImportEnvelopeBytes);

    /// <summary>
    /// Maps the two methods (after ChatGrpcService), ahead of ChatGrpcService's routes of the same names. A file far
    /// over the limit is refused by gRPC before it is read; it is answered as the smaller ones are, INVALID_ARGUMENT
    /// naming the file.
    /// </summary>
    public static void MapTo(IEndpointRouteBuilder app)
    {
        var maxBytes = app.ServiceProvider.GetRequiredService<IOptions<ChatOptions>>().Value.MaxImportBytes;
        app.MapGrpcService<ChatArchiveGrpcService>().Add(endpoint =>
        {
            ((RouteEndpointBuilder)endpoint).Order = -1;
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

/// <summary>
/// ChatService's export and import methods bound as the generated code binds a service (the same names, messages and
/// descriptor), for a class that serves only them.
/// </summary>
[BindServiceMethod(typeof(ChatArchiveServiceBase), nameof(BindService))]
public abstract class ChatArchiveServiceBase
{
    private static readonly Method<ExportConversationsRequest, ExportedConversation> s_export = new(
        MethodType.ServerStreaming, Contracts.Chat.V1.ChatService.Descriptor.FullName, "ExportConversations",
        Marshallers.Create(m => m.ToByteArray(), ExportConversationsRequest.Parser.ParseFrom),
        Marshallers.Create(m => m.ToByteArray(), ExportedConversation.Parser.ParseFrom));

    private static readonly Method<ImportConversationsRequest, ImportConversationsResponse> s_import = new(
        MethodType.Unary, Contracts.Chat.V1.ChatService.Descriptor.FullName, "ImportConversations",
        Marshallers.Create(m => m.ToByteArray(), ImportConversationsRequest.Parser.ParseFrom),
        Marshallers.Create(m => m.ToByteArray(), ImportConversationsResponse.Parser.ParseFrom));

    /// <summary>The service's descriptor, where JSON transcoding and reflection look for it.</summary>
    public static Google.Protobuf.Reflection.ServiceDescriptor Descriptor => Contracts.Chat.V1.ChatService.Descriptor;

    public abstract Task ExportConversations(ExportConversationsRequest request, IServerStreamWriter<ExportedConversation> responseStream, ServerCallContext context);

    public abstract Task<ImportConversationsResponse> ImportConversations(ImportConversationsRequest request, ServerCallContext context);

    public static void BindService(ServiceBinderBase serviceBinder, ChatArchiveServiceBase? serviceImpl)
    {
        ArgumentNullException.ThrowIfNull(serviceBinder);
        serviceBinder.AddMethod(s_export, serviceImpl is null ? null! : serviceImpl.ExportConversations);
        serviceBinder.AddMethod(s_import, serviceImpl is null ? null! : serviceImpl.ImportConversations);
    }
}
