using System.Diagnostics;
using GoChatAi.Contracts.Auth.V1;
using GoChatAi.Contracts.Chat.V1;
using Grpc.Core;
using Grpc.Net.Client;
using AuthServiceClient = GoChatAi.Contracts.Auth.V1.AuthService.AuthServiceClient;
using ChatServiceClient = GoChatAi.Contracts.Chat.V1.ChatService.ChatServiceClient;

namespace GoChatAi.Benchmarks;

/// <summary>One way to reach the ChatService's gRPC API, named for the tables.</summary>
public sealed record ChatPath(string Name, GrpcChannel Channel)
{
    public ChatServiceClient Client { get; } = new(Channel);

    /// <summary>
    /// Streams one answer through StreamChat and times its first and last delta; anything but a whole answer fails.
    /// <paramref name="accepted"/> is called with the stream's first event (its start done), <paramref name="ended"/>
    /// when it ends, whole or not, once it had begun.
    /// </summary>
    public async Task<StreamTiming> StreamChatAsync(BenchmarkUser user, string conversationId, string message, int expectedTokens, TimeSpan timeout,
        CancellationToken cancellationToken, Action? accepted = null, Action? ended = null)
    {
        var headers = await user.HeadersAsync();
        var started = Stopwatch.GetTimestamp();
        using var call = Client.StreamChat(new ChatWithAIRequest { ConversationId = conversationId, Message = message, MaxTokens = ChatBenchmarkContext.MaxTokens },
            headers, DateTime.UtcNow + timeout, cancellationToken);

        TimeSpan? acceptedAt = null;
        TimeSpan? first = null;
        var last = TimeSpan.Zero;
        var words = 0;
        FinishReason? finish = null;
        try
        {
            await foreach (var chatEvent in call.ResponseStream.ReadAllAsync(cancellationToken))
            {
                if (acceptedAt is null)
                {
                    acceptedAt = Stopwatch.GetElapsedTime(started);
                    accepted?.Invoke();
                }

                switch (chatEvent.EventCase)
            {
                    case ChatEvent.EventOneofCase.Delta:
                        last = Stopwatch.GetElapsedTime(started);
                        first ??= last;
                        words += chatEvent.Delta.Text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
                        break;
                    case ChatEvent.EventOneofCase.Completed:
                        finish = chatEvent.Completed.FinishReason;
                        break;
                    case ChatEvent.EventOneofCase.Failed:
                        throw new InvalidOperationException($"The generation failed: {chatEvent.Failed.Code}: {chatEvent.Failed.Message}");
                }
            }
        }
        finally
        {
            if (acceptedAt is not null)
            {
                ended?.Invoke();
            }
        }

        // Pieces that waited together come as one delta under load: the stand-in's words are what to count.
        if (finish != FinishReason.Stop || words != expectedTokens || first is null)
        {
            throw new InvalidOperationException(
                $"The ChatService's answer was not whole: finish {finish?.ToString() ?? "none"}, {words} of {expectedTokens} words.");
        }

        return new StreamTiming(first.Value, last, acceptedAt ?? default);
    }
}

/// <summary>
/// What the ChatService's benchmarks share: the channels (through the AppHost's proxy, and to the service's own
/// port), a pool of signed-up users, the stand-in model asked directly, the ChatService's memory and CPU gauges,
/// and the checks that the stack is set up as they need it.
/// </summary>
public sealed class ChatBenchmarkContext : IDisposable
{
    // Enough headroom for every answer the benchmarks ask for, the longest being 50 tokens.
    public const int MaxTokens = 256;

    private readonly GrpcChannel _authChannel;
    private readonly List<GrpcChannel> _chatChannels = [];
    private readonly HttpClient _chatRest;

    private ChatBenchmarkContext(BenchmarkSettings settings)
    {
        Settings = settings;
        _authChannel = GrpcChannel.ForAddress(settings.AuthGrpc);
        _chatRest = new HttpClient { BaseAddress = settings.ChatRest, Timeout = TimeSpan.FromSeconds(10) };
        Auth = new AuthServiceClient(_authChannel);
        Proxied = new ChatPath($"through the AppHost's proxy ({settings.ChatGrpc.Authority})", Channel(settings.ChatGrpc));
        DevModel = new ChatCompletionsClient(settings.DevModel, settings.DevModelKey);
        RestAddress = settings.ChatRest;
        Metrics = new ChatServiceMetrics(_chatRest);
    }

    public BenchmarkSettings Settings { get; }

    public AuthServiceClient Auth { get; }

    /// <summary>The ChatService as clients reach it: through the AppHost's proxy.</summary>
    public ChatPath Proxied { get; }

    /// <summary>The ChatService on its own port, when found: what it adds without the development proxy's hop.</summary>
    public ChatPath? Direct { get; private set; }

    /// <summary>The most direct way there is: what the capacity and throughput figures are taken through.</summary>
    public ChatPath Nearest => Direct ?? Proxied;

    public ChatServiceClient Chat => Proxied.Client;

    public ChatCompletionsClient DevModel { get; }

    /// <summary>
    /// The ChatService's OpenAI-compatible endpoint on its own port (else through the proxy), with a personal API key
    /// of the first user, and how the tables name it.
    /// </summary>
    public (ChatCompletionsClient Client, string Name)? OpenAiApi { get; private set; }

    public ChatServiceMetrics Metrics { get; }

    /// <summary>The ChatService's REST address: its own port when found, else the published one.</summary>
    public Uri RestAddress { get; private set; }

    /// <summary>One user per concurrent caller, as many people would use the service.</summary>
    public IReadOnlyList<BenchmarkUser> Users { get; private set; } = [];

    /// <summary>The model the ChatService answers with by default, which the stand-in is asked for directly too.</summary>
    public string Model { get; private set; } = "";

    public static async Task<ChatBenchmarkContext> CreateAsync(BenchmarkSettings settings)
    {
        var context = new ChatBenchmarkContext(settings);
        try
        {
            await context.PrepareAsync();
            return context;
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    public BenchmarkUser UserFor(int index) => Users[index % Users.Count];

    /// <summary>
    /// The floor under every ChatService request at the benchmark's concurrency on this machine: ListModels, which is
    /// authenticated like every call (the token checked against the JWKS and the revocation list in Redis) and reads
    /// no database. What a scenario takes beyond it is its own work.
    /// </summary>
    public Task<ScenarioResult> RunFloorAsync(BenchmarkUser user) =>
        LoadRunner.RunAsync($"floor: ListModels (authenticated, no database), {Nearest.Name}", Settings.Concurrency, Settings.Duration,
            async ct => await Nearest.Client.ListModelsAsync(new ListModelsRequest(), await user.HeadersAsync(), cancellationToken: ct));

    /// <summary>A new conversation, titled so that no title is generated by the model behind the measurement.</summary>
    public async Task<string> CreateConversationAsync(BenchmarkUser user, string title, CancellationToken cancellationToken)
    {
        var conversation = await Chat.CreateConversationAsync(new CreateConversationRequest { Title = title },
            await user.HeadersAsync(), cancellationToken: cancellationToken);
        return conversation.Id;
    }

    private async Task PrepareAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        if (Settings.Runs(Suites.Latency))
        {
            if (Settings.DevModelKey is null)
            {
                throw new BenchmarkSetupException(
                    "The latency figures ask the stand-in model directly, which needs its key: give --devmodel-key (see --help), or leave them out with --only capacity,history.");
            }

            await DevModel.CheckAccessAsync(timeout.Token);
        }

        var found = await ServiceProcesses.FindDirectAsync("GoChatAi.ChatService", timeout.Token);
        var direct = Settings.ChatGrpcDirect ?? found?.Grpc;
        if (direct is not null)
        {
            Direct = new ChatPath($"direct, the service's own port ({direct.Authority})", Channel(direct));
        }

        Console.Error.WriteLine($"chat: signing up {Settings.Concurrency} users");
        Users = await BenchmarkUser.SignUpManyAsync(Auth, Settings.Concurrency, timeout.Token);
        var models = await Chat.ListModelsAsync(new ListModelsRequest(), await Users[0].HeadersAsync(), cancellationToken: timeout.Token);
        Model = models.Models.FirstOrDefault(m => m.IsDefault)?.Id ?? models.Models[0].Id;
        await CheckRequestLimitAsync(timeout.Token);

        var apiKey = await new ApiKeyService.ApiKeyServiceClient(_authChannel).CreateApiKeyAsync(
            new CreateApiKeyRequest { Name = "benchmark" }, await Users[0].HeadersAsync(), cancellationToken: timeout.Token);
        var rest = found?.Http ?? Settings.ChatRest;
        RestAddress = rest;
        OpenAiApi = (new ChatCompletionsClient(new Uri(rest, "openai/"), apiKey.Secret),
            $"ChatService /openai/v1 chat completions (SSE, an API key), {(found is null ? "through the AppHost's proxy" : "direct, the service's own port")} ({rest.Authority})");
    }

    /// <summary>
    /// The ChatService allows each user 60 writing requests a minute by default (Chat__RequestsPerMinute), far fewer
    /// than the benchmarks send. 125 requests in a row are sure to put 61 in one minute; if one is refused, the
    /// stack was started with the default and the figures would measure the limit, so stop and say how to start it.
    /// </summary>
    private async Task CheckRequestLimitAsync(CancellationToken cancellationToken)
    {
        var user = Users[0];
        var conversation = await CreateConversationAsync(user, "Benchmark: request limit check", cancellationToken);
        try
        {
            for (var i = 0; i < 125; i++)
            {
                await Chat.SendMessageAsync(new SendMessageRequest { ConversationId = conversation, Content = "Checking the request limit." },
                    await user.HeadersAsync(), cancellationToken: cancellationToken);
            }
        }
        catch (RpcException exception) when (exception.StatusCode == StatusCode.ResourceExhausted)
        {
            throw new BenchmarkSetupException(
                "The ChatService refuses more than its per-user request limit (60 a minute by default), which the chat benchmarks " +
                "exceed by far. Start the AppHost with the limit raised, e.g. `Chat__RequestsPerMinute=1000000 dotnet run -c Release " +
                "--project GoChatAi.AppHost` (the services inherit the AppHost's environment), or run only --only auth.");
        }

        await Chat.DeleteConversationAsync(new DeleteConversationRequest { ConversationId = conversation }, await user.HeadersAsync(),
            cancellationToken: cancellationToken);
    }

    private GrpcChannel Channel(Uri address)
    {
        // Kestrel takes 100 streams per HTTP/2 connection; more connections keep thousands of streams from queueing in the client.
        var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true },
        });
        _chatChannels.Add(channel);
        return channel;
    }

    public void Dispose()
    {
        DevModel.Dispose();
        OpenAiApi?.Client.Dispose();
        _chatRest.Dispose();
        foreach (var channel in _chatChannels)
        {
            channel.Dispose();
        }

        _authChannel.Dispose();
    }
}
