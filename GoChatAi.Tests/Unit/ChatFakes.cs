extern alias chatservice;

using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using chatservice::GoChatAi.ChatService.Application;
using chatservice::GoChatAi.ChatService.Application.Commands;
using chatservice::GoChatAi.ChatService.Application.Feeds;
using chatservice::GoChatAi.ChatService.Application.Generations;
using chatservice::GoChatAi.ChatService.Domain;
using GoChatAi.ServiceDefaults.Errors;
using GoChatAi.ServiceDefaults.Operations;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ChatOptions = chatservice::GoChatAi.ChatService.Application.ChatOptions;
using Options = Microsoft.Extensions.Options.Options;

namespace GoChatAi.Tests.Unit;

/// <summary>
/// The ChatService's generation path (GenerationService, GenerationRunner, AnswerGeneration, AbandonedGenerations,
/// the FeedWriter) as the service wires it, over in-memory fakes of the interfaces Application owns, on a clock the
/// test moves. The model answers what the test scripts.
/// </summary>
internal sealed class ChatFakes : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    private readonly ServiceProvider _services;

    private ChatFakes()
    {
        Models = new ModelCatalog(Options.Create(new ModelOptions
        {
            Models = [new ModelDefinition { Id = "small", ContextWindow = 1_000, MaxOutputTokens = 100 }],
        }));
        _services = new ServiceCollection().AddSingleton<IConversationStore>(Store).BuildServiceProvider();
        var scopes = _services.GetRequiredService<IServiceScopeFactory>();
        var options = Options.Create(Settings);
        var metrics = new ChatMetrics(new TestMeterFactory());
        Feed = new FakeConversationFeed(Leases);
        Writer = new FeedWriter(Feed, metrics, Time, NullLogger<FeedWriter>.Instance);
        var answers = new AnswerGeneration(scopes, Model, Tokens, Limiter,
            new ConversationTitles(scopes, Model, NullLogger<ConversationTitles>.Instance), metrics, options, Time, NullLogger<AnswerGeneration>.Instance);
        Runner = new GenerationRunner(answers, Leases, Writer,
            new GracefulShutdown(new ConfigurationBuilder().Build(), new TestHostEnvironment(), Time), options, Time, NullLogger<GenerationRunner>.Instance);
        Abandoned = new AbandonedGenerations(scopes, Leases, Feed, Tokens, Limiter, new ReadyStore(), metrics, options, Time, NullLogger<AbandonedGenerations>.Instance);
        Conversations = new ConversationService(Store, Models, Tokens, Limiter, Feed, Runner, metrics, Time, NullLogger<ConversationService>.Instance);
        Generations = new GenerationService(Store, Conversations, Models, Tokens, Limiter, Leases, Feed, Runner, Abandoned, metrics, Time);
    }

    public FakeTimeProvider Time { get; } = new(Start);

    public ChatOptions Settings { get; } = new() { GenerateTitles = false };

    public Guid UserId { get; } = Guid.CreateVersion7();

    public ModelCatalog Models { get; }

    public FakeConversationStore Store { get; } = new();

    public FakeConversationFeed Feed { get; }

    public FakeGenerationLeases Leases { get; } = new();

    public FakeUsageLimiter Limiter { get; } = new();

    public WordCounter Tokens { get; } = new();

    public ScriptedModel Model { get; } = new();

    public FeedWriter Writer { get; }

    public GenerationRunner Runner { get; }

    public AbandonedGenerations Abandoned { get; }

    public ConversationService Conversations { get; }

    public GenerationService Generations { get; }

    /// <summary>The fakes, with the feed writer running (as the host starts it).</summary>
    public static async Task<ChatFakes> StartAsync()
    {
        var fakes = new ChatFakes();
        await fakes.Writer.StartAsync(CancellationToken.None);
        return fakes;
    }

    /// <summary>A stored conversation of <paramref name="userId"/> (else the test's user).</summary>
    public Conversation AddConversation(Guid? userId = null, string? systemPrompt = null)
    {
        var conversation = Conversation.Create(Guid.CreateVersion7(), userId ?? UserId, "A conversation", systemPrompt, "small", Time.GetUtcNow());
        Store.Conversations.Add(conversation);
        return conversation;
    }

    /// <summary>Waits (a few seconds at most) for what a generation's job does after its caller has its outcome.</summary>
    public static async Task EventuallyAsync(Func<bool> condition, Action? meanwhile = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The condition did not become true in time.");
            meanwhile?.Invoke();
            await Task.Delay(10);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Writer.StopAsync(CancellationToken.None);
        Writer.Dispose();
        Runner.Dispose();
        Abandoned.Dispose();
        await _services.DisposeAsync();
    }

    private sealed class ReadyStore : IStoreReadiness
    {
        public Task WhenReadyAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class TestHostEnvironment : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = Environments.Development;

        public string ApplicationName { get; set; } = "GoChatAi.Tests";

        public string ContentRootPath { get; set; } = AppContext.BaseDirectory;

        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }
}

/// <summary>
/// Conversations and their trees of messages in lists. The messages are the very objects the use cases hold, as a
/// database's rows would read; a conversation's active leaf is kept beside it, as the store keeps it.
/// </summary>
internal sealed class FakeConversationStore : IConversationStore
{
    private readonly Lock _gate = new();
    private readonly HashSet<Guid> _finished = [];
    private readonly Dictionary<Guid, Guid> _activeLeaves = [];

    public List<Conversation> Conversations { get; } = [];

    /// <summary>Every message, in storing order.</summary>
    public List<Message> Messages { get; } = [];

    /// <summary>Every StartGenerationAsync: the conversation it created (if new), the user's message (none for a new answer) and the answer-to-be.</summary>
    public List<(Conversation? New, Message? User, Message Answer)> Started { get; } = [];

    /// <summary>Every answer stored final, with its usage.</summary>
    public List<(Message Answer, UsageRecord? Usage)> FinishedAnswers { get; } = [];

    /// <summary>How many of the next FinishAnswerAsync calls fail as a database that is down does.</summary>
    public int FinishesToFail { get; set; }

    /// <summary>When set, StartGenerationAsync waits for it: the write of a start, held in flight.</summary>
    public TaskCompletionSource? StartHeld { get; set; }

    /// <summary>Whether the next StartGenerationAsync fails as a database that is down does (after <see cref="StartHeld"/>).</summary>
    public bool StartFails { get; set; }

    /// <summary>The active leaf of a conversation, if it has messages.</summary>
    public Guid? ActiveLeafOf(Guid conversationId) => _activeLeaves.TryGetValue(conversationId, out var leaf) ? leaf : null;

    public void Add(Conversation conversation) => Conversations.Add(conversation);

    public Task SaveChangesAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<Conversation?> FindOwnedAsync(Guid userId, Guid conversationId, bool tracking, CancellationToken cancellationToken) =>
        Task.FromResult(Owned(userId, conversationId));

    public Task<(IReadOnlyList<Conversation> Page, int Total)> ListAsync(Guid userId, ConversationListQuery query, CancellationToken cancellationToken)
    {
        var mine = Conversations
            .Where(c => c.UserId == userId && c.IsArchived == query.Archived && (query.Pinned is null || c.IsPinned == query.Pinned))
            .OrderByDescending(c => c.LastActivityAt).ToList();
        return Task.FromResult<(IReadOnlyList<Conversation>, int)>((mine.Skip(query.Offset).Take(query.Limit).ToList(), mine.Count));
    }

    public Task DeleteAsync(Guid conversationId, CancellationToken cancellationToken)
    {
        Conversations.RemoveAll(c => c.Id == conversationId);
        Messages.RemoveAll(m => m.ConversationId == conversationId);
        _activeLeaves.Remove(conversationId);
        return Task.CompletedTask;
    }

    public Task<Guid> FindOwnerAsync(Guid conversationId, CancellationToken cancellationToken) =>
        Task.FromResult(Conversations.SingleOrDefault(c => c.Id == conversationId)?.UserId ?? Guid.Empty);

    public Task<StoredPathPage?> ReadPathAsync(Guid userId, Guid conversationId, PathRange range, CancellationToken cancellationToken)
    {
        if (Owned(userId, conversationId) is null)
        {
            return Task.FromResult<StoredPathPage?>(null);
        }

        var leaf = Find(conversationId, range.LeafId ?? ActiveLeafOf(conversationId));
        var path = leaf is null ? [] : PathTo(leaf);
        var ordered = range.NewestFirst
            ? path.AsEnumerable().Reverse().Where(m => range.AfterDepth is not { } after || m.Depth < after)
            : path.Where(m => range.AfterDepth is not { } after || m.Depth > after);
        var page = ordered.Skip(range.AfterDepth is null ? range.Offset : 0).Take(range.Count)
            .Select(m => new PathMessage(MessageSnapshot.Of(m), m.Depth, Messages.Where(s => s.ConversationId == conversationId && s.ParentId == m.ParentId).Select(s => s.Id).ToArray()))
            .ToList();
        return Task.FromResult<StoredPathPage?>(new(leaf?.Id, path.Count, page));
    }

    public Task<Guid?> FindLeafThroughAsync(Guid userId, Guid conversationId, Guid messageId, CancellationToken cancellationToken)
    {
        var message = Owned(userId, conversationId) is null ? null : Find(conversationId, messageId);
        if (message is null)
        {
            return Task.FromResult<Guid?>(null);
        }

        var active = Find(conversationId, ActiveLeafOf(conversationId));
        return Task.FromResult<Guid?>(active is not null && PathTo(active).Contains(message) ? active.Id : NewestUnder(message).Id);
    }

    public Task<bool> SwitchBranchAsync(Guid userId, Guid conversationId, Guid messageId, CancellationToken cancellationToken)
    {
        var message = Owned(userId, conversationId) is null ? null : Find(conversationId, messageId);
        if (message is not null)
        {
            _activeLeaves[conversationId] = NewestUnder(message).Id;
        }

        return Task.FromResult(message is not null);
    }

    public Task<Message?> FindOwnedAnswerAsync(Guid userId, Guid generationId, CancellationToken cancellationToken) =>
        Task.FromResult(Messages.FirstOrDefault(m => m.GenerationId == generationId && m.Role == MessageRole.Assistant
            && Conversations.Any(c => c.Id == m.ConversationId && c.UserId == userId)));

    public Task<Message?> FindAnswerAsync(Guid generationId, CancellationToken cancellationToken) =>
        Task.FromResult(Messages.FirstOrDefault(m => m.GenerationId == generationId && m.Role == MessageRole.Assistant));

    public Task<IReadOnlyList<Message>> ListGeneratingAsync(DateTimeOffset startedBefore, int limit, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<Message>>(Messages.Where(m => m.Status == MessageStatus.Generating && m.CreatedAt < startedBefore).Take(limit).ToList());

    public Task<string?> FindFirstMessageToTitleAsync(Guid conversationId, CancellationToken cancellationToken) => Task.FromResult<string?>(null);

    public Task SetTitleIfUntitledAsync(Guid conversationId, string title, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<ConversationContext?> FindContextAsync(Guid userId, Guid conversationId, Guid? anchorId, int historyLimit, CancellationToken cancellationToken)
    {
        var conversation = Owned(userId, conversationId);
        if (conversation is null)
        {
            return Task.FromResult<ConversationContext?>(null);
        }

        var anchor = Find(conversationId, anchorId ?? ActiveLeafOf(conversationId));
        var before = anchor is null ? [] : PathTo(anchor)[..^1];
        return Task.FromResult<ConversationContext?>(new ConversationContext(
            conversation.Model,
            conversation.SystemPrompt,
            anchor is null ? null : new AnchorMessage(anchor.Id, new MessagePlace(anchor.ParentId, anchor.Depth), anchor.Role, anchor.Status, anchor.Content, anchor.TokenCount),
            before.Where(m => m.Status == MessageStatus.Finished && m.Content.Length > 0)
                .Reverse().Take(historyLimit)
                .Select(m => new ContextMessage(m.Role, m.Content, m.TokenCount))
                .ToList()));
    }

    public Task AddConversationAsync(Conversation conversation, IReadOnlyList<Message> messages, CancellationToken cancellationToken)
    {
        Conversations.Add(conversation);
        Messages.AddRange(messages);
        if (messages.Count > 0)
        {
            _activeLeaves[conversation.Id] = messages[^1].Id;
        }

        return Task.CompletedTask;
    }

    public async Task StartGenerationAsync(Guid userId, Conversation? newConversation, Message? user, Message answer, CancellationToken cancellationToken)
    {
        if (StartHeld is { } held)
        {
            await held.Task;
        }

        if (StartFails)
        {
            throw new DependencyUnavailableException(DependencyFailure.Database, "The database is down (a test's fake).");
        }

        if (newConversation is not null)
        {
            Conversations.Add(newConversation);
        }

        Messages.AddRange(user is null ? [answer] : [user, answer]);
        _activeLeaves[answer.ConversationId] = answer.Id;
        Started.Add((newConversation, user, answer));
    }

    public Task<MessagePlace?> AddMessageAsync(Guid userId, Message message, Guid? parentId, CancellationToken cancellationToken)
    {
        var parent = Find(message.ConversationId, parentId ?? ActiveLeafOf(message.ConversationId));
        if (Owned(userId, message.ConversationId) is null || (parentId is not null && parent is null))
        {
            return Task.FromResult<MessagePlace?>(null);
        }

        Messages.Add(message);
        _activeLeaves[message.ConversationId] = message.Id;
        return Task.FromResult<MessagePlace?>(parent is null ? MessagePlace.First : MessagePlace.After(parent.Id, parent.Depth));
    }

    public Task<AnswerStored> FinishAnswerAsync(Message answer, int tokenCount, UsageRecord? usage, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (FinishesToFail > 0)
            {
                FinishesToFail--;
                throw new DependencyUnavailableException(DependencyFailure.Database, "The database is down (a test's fake).");
            }

            if (!Messages.Contains(answer))
            {
                return Task.FromResult(AnswerStored.ConversationGone);
            }

            if (!_finished.Add(answer.Id))
            {
                return Task.FromResult(AnswerStored.FinishedElsewhere);
            }

            FinishedAnswers.Add((answer, usage));
            return Task.FromResult(AnswerStored.Stored);
        }
    }

    private Conversation? Owned(Guid userId, Guid conversationId) => Conversations.SingleOrDefault(c => c.Id == conversationId && c.UserId == userId);

    private Message? Find(Guid conversationId, Guid? messageId) =>
        messageId is null ? null : Messages.SingleOrDefault(m => m.Id == messageId && m.ConversationId == conversationId);

    /// <summary>The messages from the first to <paramref name="leaf"/>, in order.</summary>
    private List<Message> PathTo(Message leaf)
    {
        var path = new List<Message>();
        for (var message = leaf; message is not null; message = Find(leaf.ConversationId, message.ParentId))
        {
            path.Add(message);
        }

        path.Reverse();
        return path;
    }

    /// <summary>The newest message under <paramref name="message"/>, itself included.</summary>
    private Message NewestUnder(Message message) =>
        Messages.Last(m => m.ConversationId == message.ConversationId && PathTo(m).Contains(message));
}

/// <summary>Each conversation's feed in a list, numbered from 1.</summary>
/// <summary>
/// Conversations' feeds in memory, numbered from 1 (or at the places given); an append that ends a generation's
/// lease ends it in <paramref name="leases"/>, as the real feed does.
/// </summary>
internal sealed class FakeConversationFeed(FakeGenerationLeases? leases = null) : IConversationFeed
{
    private readonly ConcurrentDictionary<Guid, List<FeedEntry>> _feeds = new();

    /// <summary>Every append, in order.</summary>
    public ConcurrentQueue<FeedAppend> Appends { get; } = new();

    /// <summary>The appends of each round trip, in the order they were sent.</summary>
    public ConcurrentQueue<IReadOnlyList<FeedAppend>> RoundTrips { get; } = new();

    /// <summary>Whether no event was written to any conversation's feed.</summary>
    public bool IsEmpty => _feeds.Keys.All(id => EntriesOf(id).Count == 0);

    public IReadOnlyList<FeedEntry> EntriesOf(Guid conversationId)
    {
        var feed = _feeds.GetOrAdd(conversationId, _ => []);
        lock (feed)
        {
            return [.. feed];
        }
    }

    /// <summary>While set, appends wait for it: events queue up behind the one being written, as under load.</summary>
    public TaskCompletionSource? Hold { get; set; }

    /// <summary>Set once an append waits for <see cref="Hold"/>.</summary>
    public TaskCompletionSource Holding { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task<IReadOnlyList<FeedEntry>> AppendAsync(IReadOnlyList<FeedAppend> appends)
    {
        RoundTrips.Enqueue(appends);
        if (Hold is { } hold)
        {
            Holding.TrySetResult();
            await hold.Task;
        }

        var written = new List<FeedEntry>();
        foreach (var append in appends)
        {
            Appends.Enqueue(append);
            var feed = _feeds.GetOrAdd(append.ConversationId, _ => []);
            lock (feed)
            {
                var sequence = append.FirstSequence > 0 ? append.FirstSequence : (feed.Count == 0 ? 1 : feed[^1].Sequence + 1);
                foreach (var chatEvent in append.Events)
                {
                    var entry = new FeedEntry(append.ConversationId, sequence++, chatEvent);
                    feed.Add(entry);
                    written.Add(entry);
                }
            }

            if (append.EndsLease is { } generationId)
            {
                leases?.Held.TryRemove(new KeyValuePair<Guid, Guid>(append.ConversationId, generationId));
            }
        }

        return written;
    }

    public async Task<FeedEntry> AppendAsync(Guid conversationId, ConversationEvent chatEvent) =>
        (await AppendAsync([new FeedAppend(conversationId, [chatEvent])]))[0];

    public Task<long> LastSequenceAsync(Guid conversationId) =>
        Task.FromResult(EntriesOf(conversationId) is [.., var last] ? last.Sequence : 0);

    public async IAsyncEnumerable<FeedEntry> FollowAsync(
        Guid conversationId, long after, Func<long, Task<IReadOnlyList<FeedEntry>?>>? onIdle, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.Yield();
        foreach (var entry in EntriesOf(conversationId).Where(e => e.Sequence > after))
        {
            yield return entry;
        }
    }

    public Task<IReadOnlyList<ConversationEvent>> ReadGenerationAsync(Guid conversationId, Guid generationId) =>
        Task.FromResult<IReadOnlyList<ConversationEvent>>(
            [.. EntriesOf(conversationId).Select(e => e.Event).Where(e => e.GenerationId == generationId)]);

    public Task DeleteAsync(Guid conversationId)
    {
        _feeds.TryRemove(conversationId, out _);
        return Task.CompletedTask;
    }
}

/// <summary>One lease per conversation, held until released; cancel requests reach the runner that subscribed.</summary>
internal sealed class FakeGenerationLeases : IGenerationLeases
{
    private Action<Guid>? _onCancelRequested;

    public ConcurrentDictionary<Guid, Guid> Held { get; } = new();

    public ConcurrentQueue<Guid> CancelRequests { get; } = new();

    public Task<LeasedGeneration?> TryAcquireAsync(Guid conversationId, Guid generationId) =>
        Task.FromResult(Held.TryAdd(conversationId, generationId) ? new LeasedGeneration(conversationId, generationId, 0, 0) : (LeasedGeneration?)null);

    public Task<bool[]> RenewAsync(IReadOnlyList<LeasedGeneration> generations) =>
        Task.FromResult(generations.Select(g => Held.TryGetValue(g.ConversationId, out var held) && held == g.GenerationId).ToArray());

    public Task<RunningGeneration?> GetRunningAsync(Guid conversationId) =>
        Task.FromResult(Held.TryGetValue(conversationId, out var generationId) ? new RunningGeneration(generationId, 0) : (RunningGeneration?)null);

    public Task<bool> TryClaimAbandonedAsync(Guid conversationId, Guid generationId) =>
        Task.FromResult(!(Held.TryGetValue(conversationId, out var held) && held == generationId));

    public Task ReleaseAsync(Guid conversationId, Guid generationId)
    {
        Held.TryRemove(new KeyValuePair<Guid, Guid>(conversationId, generationId));
        return Task.CompletedTask;
    }

    public Task RequestCancelAsync(Guid generationId)
    {
        CancelRequests.Enqueue(generationId);
        _onCancelRequested?.Invoke(generationId);
        return Task.CompletedTask;
    }

    public Task SubscribeToCancelRequestsAsync(Action<Guid> onCancelRequested)
    {
        _onCancelRequested = onCancelRequested;
        return Task.CompletedTask;
    }
}

/// <summary>Admits everyone unless told to refuse; counts what it is told.</summary>
internal sealed class FakeUsageLimiter : IUsageLimiter
{
    private int _admitted;

    /// <summary>When set, every request is refused with it.</summary>
    public ServiceException? Refusal { get; set; }

    public int Admitted => _admitted;

    public ConcurrentDictionary<Guid, long> TokensUsed { get; } = new();

    public Task CountRequestAsync(Guid userId) => AdmitAnswerAsync(userId);

    public Task<UsageAllowance?> AdmitAnswerAsync(Guid userId)
    {
        if (Refusal is { } refusal)
        {
            return Task.FromException<UsageAllowance?>(refusal);
        }

        Interlocked.Increment(ref _admitted);
        return Task.FromResult<UsageAllowance?>(new UsageAllowance(60, 60 - _admitted, TimeSpan.FromSeconds(30), 1_000_000, 1_000_000, TimeSpan.FromHours(1)));
    }

    public Task<long> TokensUsedTodayAsync(Guid userId) => Task.FromResult(TokensUsed.GetValueOrDefault(userId));

    public Task AddTokensAsync(Guid userId, long tokens)
    {
        TokensUsed.AddOrUpdate(userId, tokens, (_, used) => used + tokens);
        return Task.CompletedTask;
    }
}

/// <summary>One token a word: easy to reckon in a test.</summary>
internal sealed class WordCounter : ITokenCounter
{
    public int Count(string text) => text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
}

/// <summary>A model whose streamed answer the test scripts; its failures mean what a provider's 503 means.</summary>
internal sealed class ScriptedModel : IModelClientProvider, IChatClient
{
    /// <summary>The answer to stream, given the call's cancellation.</summary>
    public Func<CancellationToken, IAsyncEnumerable<ChatResponseUpdate>> Answer { get; set; } = _ => Answers("Hello", " there");

    /// <summary>The messages of every request the model was sent, in order.</summary>
    public ConcurrentQueue<IReadOnlyList<ChatMessage>> Requests { get; } = new();

    /// <summary>Text in chunks, then the end with the provider's usage.</summary>
    public static async IAsyncEnumerable<ChatResponseUpdate> Answers(params string[] chunks)
    {
        foreach (var chunk in chunks)
        {
            await Task.Yield();
            yield return new ChatResponseUpdate(ChatRole.Assistant, chunk);
        }

        yield return new ChatResponseUpdate
        {
            FinishReason = ChatFinishReason.Stop,
            Contents = [new UsageContent(new UsageDetails { InputTokenCount = 10, OutputTokenCount = chunks.Length })],
        };
    }

    /// <summary>Some text, then <paramref name="end"/>: a failure, a stream that hangs until cancelled, or one that just closes.</summary>
    public static async IAsyncEnumerable<ChatResponseUpdate> Writes(
        string chunk, Func<CancellationToken, Task> end, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        yield return new ChatResponseUpdate(ChatRole.Assistant, chunk);
        await end(cancellationToken);
    }

    public IChatClient ClientFor(ChatModel model) => this;

    public ServiceException ToServiceException(Exception exception, string modelId, ILogger logger) =>
        new(ErrorKind.Unavailable, "The model provider failed to answer.");

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, Microsoft.Extensions.AI.ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        Requests.Enqueue([.. messages]);
        return Answer(cancellationToken);
    }

    public Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, Microsoft.Extensions.AI.ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "A title")));

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}
