using System.Text;
using GoChatAi.ChatService.Application;
using GoChatAi.ChatService.Application.Commands;
using GoChatAi.ChatService.Application.Feeds;
using GoChatAi.ChatService.Application.Generations;
using GoChatAi.ChatService.Grpc;
using GoChatAi.Contracts.Chat.V1;
using GoChatAi.ServiceDefaults.Authentication;
using GoChatAi.ServiceDefaults.Errors;
using GoChatAi.ServiceDefaults.Requests;
using Google.Protobuf;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace GoChatAi.ChatService.Http;

/// <summary>
/// The streaming calls for browsers, as Server-Sent Events (<c>text/event-stream</c>): one event per ChatEvent
/// (<c>id:</c> its cursor, <c>event:</c> its kind, <c>data:</c> its proto JSON). Both routes behave alike: the
/// headers go out at once, a comment line is sent as heartbeat while idle, and a <c>Last-Event-ID</c> header (or
/// an <c>after</c> query parameter) resumes after that cursor. Errors before the first event have the same status
/// and body as every other REST call.
/// <list type="bullet">
/// <item><c>POST /v1/chat/ai/stream</c>: StreamChat, with ChatWithAI's JSON body; resuming starts nothing and ends
/// when the answer being followed ends.</item>
/// <item><c>POST /v1/chat/conversations/{conversation_id}/messages/{message_id}/regenerate/stream</c> and
/// <c>.../edit/stream</c>: RegenerateAnswer and EditMessage, with their JSON bodies less the ids in the route (a
/// regeneration needs no body); resuming as for StreamChat.</item>
/// <item><c>GET /v1/chat/stream/{conversation_id}</c>: StreamMessages, the conversation's live feed, open until the
/// client closes it or the server shuts down.</item>
/// </list>
/// </summary>
public static partial class ChatStreamEndpoint
{
    public const string ChatRoute = "/v1/chat/ai/stream";

    public const string FeedRoute = "/v1/chat/stream/{conversation_id}";

    public const string RegenerateRoute = "/v1/chat/conversations/{conversation_id}/messages/{message_id}/regenerate/stream";

    public const string EditRoute = "/v1/chat/conversations/{conversation_id}/messages/{message_id}/edit/stream";

    private static readonly JsonParser s_parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(false));
    private static readonly JsonFormatter s_formatter = new(JsonFormatter.Settings.Default);

    public static IEndpointRouteBuilder MapChatStreamEndpoints(this IEndpointRouteBuilder app)
    {
        // Each body gets the checks of every REST body (shape, size, UTF-8) before it is read here.
        app.MapPost(ChatRoute, StreamChatAsync)
            .RequireAuthorization()
            .WithMetadata(new RestBodyMessage(ChatWithAIRequest.Descriptor));
        app.MapPost(RegenerateRoute, StreamRegenerationAsync)
            .RequireAuthorization()
            .WithMetadata(new RestBodyMessage(RegenerateAnswerRequest.Descriptor));
        app.MapPost(EditRoute, StreamEditAsync)
            .RequireAuthorization()
            .WithMetadata(new RestBodyMessage(EditMessageRequest.Descriptor));
        app.MapGet(FeedRoute, StreamFeedAsync)
            .RequireAuthorization();
        return app;
    }

    private static Task StreamChatAsync(HttpContext http, GenerationService generations, ConversationStreams streams, IConversationFeed feed,
        IGenerationLeases leases, ModelCatalog models, IOptions<ChatOptions> options, ILoggerFactory loggerFactory) =>
        StreamAnswerAsync(http, async cancellationToken =>
        {
            var request = await ReadRequestAsync<ChatWithAIRequest>(http.Request, bodyRequired: true, cancellationToken);
            return request.ToCommand(models, options.Value, http.User.GetApiKeyId());
        }, generations, streams, feed, leases, options, loggerFactory);

    private static Task StreamRegenerationAsync(HttpContext http,
        [FromRoute(Name = "conversation_id")] string conversation, [FromRoute(Name = "message_id")] string message,
        GenerationService generations, ConversationStreams streams, IConversationFeed feed, IGenerationLeases leases, ModelCatalog models,
        IOptions<ChatOptions> options, ILoggerFactory loggerFactory) =>
        StreamAnswerAsync(http, async cancellationToken =>
        {
            var request = await ReadRequestAsync<RegenerateAnswerRequest>(http.Request, bodyRequired: false, cancellationToken);
            (request.ConversationId, request.MessageId) = (conversation, message);
            return request.ToCommand(models, http.User.GetApiKeyId());
        }, generations, streams, feed, leases, options, loggerFactory);

    private static Task StreamEditAsync(HttpContext http,
        [FromRoute(Name = "conversation_id")] string conversation, [FromRoute(Name = "message_id")] string message,
        GenerationService generations, ConversationStreams streams, IConversationFeed feed, IGenerationLeases leases, ModelCatalog models,
        IOptions<ChatOptions> options, ILoggerFactory loggerFactory) =>
        StreamAnswerAsync(http, async cancellationToken =>
        {
            var request = await ReadRequestAsync<EditMessageRequest>(http.Request, bodyRequired: true, cancellationToken);
            (request.ConversationId, request.MessageId) = (conversation, message);
            return request.ToCommand(models, options.Value, http.User.GetApiKeyId());
        }, generations, streams, feed, leases, options, loggerFactory);

    /// <summary>
    /// Starts the answer the request asks for and sends its events from the first, or, with a cursor to resume
    /// after, starts nothing and sends what followed it.
    /// </summary>
    private static async Task StreamAnswerAsync(
        HttpContext http,
        Func<CancellationToken, Task<StartGenerationCommand>> readCommand,
        GenerationService generations,
        ConversationStreams streams,
        IConversationFeed feed,
        IGenerationLeases leases,
        IOptions<ChatOptions> options,
        ILoggerFactory loggerFactory)
    {
        var cancellationToken = http.RequestAborted;
        IAsyncEnumerable<FeedEntry> events;
        try
        {
            var userId = http.User.GetUserId();
            if (ResumeCursor(http.Request) is { } after)
            {
                events = await ResumeAsync(userId, after, generations, streams, feed, leases, cancellationToken);
            }
            else
            {
                var started = await generations.StartAsync(userId, await readCommand(cancellationToken), follow: true, cancellationToken);
                events = ConversationStreams.FollowGenerationAsync(started, cancellationToken);
            }
        }
        catch (ServiceException exception)
        {
            await ServiceErrorHttpResponse.WriteAsync(http.Response, exception, cancellationToken);
            return;
        }

        await WriteEventsAsync(http.Response, events, options.Value.HeartbeatInterval, loggerFactory.CreateLogger(typeof(ChatStreamEndpoint)), cancellationToken);
    }

    private static async Task StreamFeedAsync(
        HttpContext http,
        [FromRoute(Name = "conversation_id")] string conversation,
        GenerationService generations,
        ConversationStreams streams,
        GenerationRunner runner,
        IOptions<ChatOptions> options,
        ILoggerFactory loggerFactory)
    {
        // As StreamMessages: on shutdown (after the drain delay) the stream ends normally, and the client resumes
        // with its last id on another replica.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, runner.Stopping);
        IAsyncEnumerable<FeedEntry> events;
        try
        {
            var request = new StreamMessagesRequest { ConversationId = conversation };
            if (ResumeCursor(http.Request) is { } after)
            {
                request.After = after;
            }

            var (conversationId, cursor) = request.ToFeedStart();
            var start = await generations.ResolveFeedStartAsync(http.User.GetUserId(), conversationId, cursor, http.RequestAborted);
            events = streams.FollowConversationAsync(conversationId, start, stop.Token);
        }
        catch (ServiceException exception)
        {
            await ServiceErrorHttpResponse.WriteAsync(http.Response, exception, http.RequestAborted);
            return;
        }

        await WriteEventsAsync(http.Response, events, options.Value.HeartbeatInterval, loggerFactory.CreateLogger(typeof(ChatStreamEndpoint)), stop.Token);
    }

    /// <summary>Where a client resumes: the last id its EventSource saw, or else the one it names in the query.</summary>
    private static string? ResumeCursor(HttpRequest request) =>
        request.Headers["Last-Event-ID"].FirstOrDefault() ?? request.Query["after"].FirstOrDefault();

    private static async Task<IAsyncEnumerable<FeedEntry>> ResumeAsync(
        Guid userId, string after, GenerationService generations, ConversationStreams streams, IConversationFeed feed, IGenerationLeases leases,
        CancellationToken cancellationToken)
    {
        if (!FeedCursor.TryParse(after, out var cursor))
        {
            throw ServiceException.InvalidArgument("after", "is not a cursor of an event stream");
        }

        // Checks ownership, and that the events after the cursor are still kept.
        await generations.ResolveFeedStartAsync(userId, cursor.ConversationId, cursor, cancellationToken);
        var nothingMore = await leases.GetRunningAsync(cursor.ConversationId) is null
            && await feed.LastSequenceAsync(cursor.ConversationId) <= cursor.Sequence;
        return nothingMore ? AsyncEnumerable.Empty<FeedEntry>() : streams.ResumeAsync(cursor, cancellationToken);
    }

    private static async Task<T> ReadRequestAsync<T>(HttpRequest request, bool bodyRequired, CancellationToken cancellationToken)
        where T : IMessage<T>, new()
    {
        // No body at all passes the REST checks; it is a request only where every field may be left out.
        if (request.ContentType is null)
        {
            return bodyRequired ? throw ServiceException.InvalidArgument("body", "must be a JSON object (Content-Type: application/json)") : new T();
        }

        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(cancellationToken);
        try
        {
            return s_parser.Parse<T>(body);
        }
        catch (Exception exception) when (exception is InvalidProtocolBufferException or InvalidJsonException or FormatException)
        {
            throw ServiceException.InvalidArgument("body", $"is not a valid {new T().Descriptor.Name} JSON object");
        }
    }

    /// <summary>Sends the events until they end or <paramref name="cancellationToken"/> stops them (both end the response normally).</summary>
    private static async Task WriteEventsAsync(HttpResponse response, IAsyncEnumerable<FeedEntry> events, TimeSpan heartbeatInterval, ILogger logger, CancellationToken cancellationToken)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache, no-transform";
        response.Headers["X-Accel-Buffering"] = "no";
        await response.Body.FlushAsync(cancellationToken);

        using var writeLock = new SemaphoreSlim(1, 1);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var heartbeat = SendHeartbeatsAsync(response, writeLock, heartbeatInterval, stop.Token);
        try
        {
            await foreach (var entry in events.WithCancellation(cancellationToken))
            {
                var chatEvent = entry.ToProto();
                var frame = $"id: {chatEvent.Cursor}\nevent: {EventName(chatEvent)}\ndata: {s_formatter.Format(chatEvent)}\n\n";
                await writeLock.WaitAsync(cancellationToken);
                try
                {
                    await response.WriteAsync(frame, cancellationToken);
                    await response.Body.FlushAsync(cancellationToken);
                }
                finally
                {
                    writeLock.Release();
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The browser went away (the generation goes on and can be followed again with the last id), or the
            // server is shutting down.
        }
        catch (ServiceException exception)
        {
            // A resume whose events were lost meanwhile: said in the stream, as the status is already sent.
            LogStreamEndedWithError(logger, exception.Kind);
            await response.WriteAsync($"event: error\ndata: {{\"code\":{(int)ServiceErrors.ToStatusCode(exception.Kind)},\"message\":{System.Text.Json.JsonSerializer.Serialize(exception.Message)}}}\n\n", CancellationToken.None);
        }
        finally
        {
            await stop.CancelAsync();
            await heartbeat;
        }
    }

    private static async Task SendHeartbeatsAsync(HttpResponse response, SemaphoreSlim writeLock, TimeSpan interval, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                await writeLock.WaitAsync(cancellationToken);
                try
                {
                    await response.WriteAsync(": keep-alive\n\n", cancellationToken);
                    await response.Body.FlushAsync(cancellationToken);
                }
                finally
                {
                    writeLock.Release();
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The stream ended.
        }
    }

    private static string EventName(ChatEvent chatEvent) => chatEvent.EventCase switch
    {
        ChatEvent.EventOneofCase.MessageCreated => "message_created",
        ChatEvent.EventOneofCase.GenerationStarted => "generation_started",
        ChatEvent.EventOneofCase.Delta => "delta",
        ChatEvent.EventOneofCase.Completed => "completed",
        ChatEvent.EventOneofCase.Failed => "failed",
        _ => "event",
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "An event stream ended with {Kind}")]
    private static partial void LogStreamEndedWithError(ILogger logger, ErrorKind kind);
}
