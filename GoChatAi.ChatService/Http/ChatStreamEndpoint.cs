using System.Text;
using GoChatAi.ChatService.Application;
using GoChatAi.ChatService.Application.Generations;
using GoChatAi.ChatService.Grpc;
using GoChatAi.Contracts.Chat.V1;
using GoChatAi.ServiceDefaults.Errors;
using GoChatAi.ServiceDefaults.Requests;
using Google.Protobuf;
using Microsoft.Extensions.Options;

namespace GoChatAi.ChatService.Http;

/// <summary>
/// StreamChat for browsers: <c>POST /v1/chat/ai/stream</c> takes ChatWithAI's JSON body and answers
/// <c>text/event-stream</c>, one event per ChatEvent (<c>id:</c> its cursor, <c>event:</c> its kind, <c>data:</c> its
/// proto JSON), with a comment line as heartbeat while idle. With a <c>Last-Event-ID</c> header or an <c>after</c>
/// query parameter it starts nothing: it resumes the stream after that cursor until the answer being followed ends.
/// Errors before the first event have the same status and body as every other REST call.
/// </summary>
public static partial class ChatStreamEndpoint
{
    public const string Route = "/v1/chat/ai/stream";

    private static readonly JsonParser s_parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(false));
    private static readonly JsonFormatter s_formatter = new(JsonFormatter.Settings.Default);

    public static IEndpointRouteBuilder MapChatStreamEndpoint(this IEndpointRouteBuilder app)
    {
        app.MapPost(Route, StreamAsync)
            .RequireAuthorization()
            // The body gets the checks of every REST body (shape, size, UTF-8) before it is read here.
            .WithMetadata(new RestBodyMessage(ChatWithAIRequest.Descriptor));
        return app;
    }

    private static async Task StreamAsync(
        HttpContext http,
        GenerationService generations,
        ChatEventStreams streams,
        IChatEventFeed feed,
        IGenerationLeases leases,
        ModelCatalog models,
        IOptions<ChatOptions> options,
        ILoggerFactory loggerFactory)
    {
        var cancellationToken = http.RequestAborted;
        IAsyncEnumerable<ChatEvent> events;
        try
        {
            var userId = http.User.GetUserId();
            var after = http.Request.Headers["Last-Event-ID"].FirstOrDefault() ?? http.Request.Query["after"].FirstOrDefault();
            if (after is not null)
            {
                events = await ResumeAsync(userId, after, generations, streams, feed, leases, cancellationToken);
            }
            else
            {
                var request = await ReadRequestAsync(http.Request, cancellationToken);
                var started = await generations.StartAsync(userId, request.ToCommand(models, options.Value), follow: true, cancellationToken);
                events = ChatEventStreams.FollowGenerationAsync(started, cancellationToken);
            }
        }
        catch (ServiceException exception)
        {
            await ServiceErrorHttpResponse.WriteAsync(http.Response, exception, cancellationToken);
            return;
        }

        await WriteEventsAsync(http.Response, events, options.Value.HeartbeatInterval, loggerFactory.CreateLogger(typeof(ChatStreamEndpoint)), cancellationToken);
    }

    private static async Task<IAsyncEnumerable<ChatEvent>> ResumeAsync(
        Guid userId, string after, GenerationService generations, ChatEventStreams streams, IChatEventFeed feed, IGenerationLeases leases,
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
        return nothingMore ? AsyncEnumerable.Empty<ChatEvent>() : streams.ResumeAsync(cursor, cancellationToken);
    }

    private static async Task<ChatWithAIRequest> ReadRequestAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        // No body at all passes the REST checks; it is no request either.
        if (request.ContentType is null)
        {
            throw ServiceException.InvalidArgument("body", "must be a JSON object (Content-Type: application/json)");
        }

        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(cancellationToken);
        try
        {
            return s_parser.Parse<ChatWithAIRequest>(body);
        }
        catch (Exception exception) when (exception is InvalidProtocolBufferException or InvalidJsonException or FormatException)
        {
            throw ServiceException.InvalidArgument("body", "is not a valid ChatWithAIRequest JSON object");
        }
    }

    private static async Task WriteEventsAsync(HttpResponse response, IAsyncEnumerable<ChatEvent> events, TimeSpan heartbeatInterval, ILogger logger, CancellationToken cancellationToken)
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
            await foreach (var chatEvent in events.WithCancellation(cancellationToken))
            {
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
            // The browser went away; the generation goes on and can be followed again with the last id.
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
