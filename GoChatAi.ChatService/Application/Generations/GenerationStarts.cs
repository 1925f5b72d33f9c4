using System.Diagnostics.Metrics;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace GoChatAi.ChatService.Application.Generations;

/// <summary>
/// The answers starting at once on this replica, at most <see cref="ChatOptions.ConcurrentStarts"/>; the others wait
/// their turn, oldest first, for as long as their callers wait. A start is a few round trips to the database and the
/// cache: a burst let through whole would queue for the database's connection pool instead, where a wait has a
/// limit (past it the start fails as UNAVAILABLE) and the burst holds every connection the other calls need.
/// </summary>
public sealed class GenerationStarts : IDisposable
{
    private readonly ConcurrencyLimiter _limiter;

    public GenerationStarts(IOptions<ChatOptions> options, IMeterFactory meterFactory)
    {
        _limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = options.Value.ConcurrentStarts,
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        meterFactory.Create(ChatMetrics.MeterName).CreateObservableUpDownCounter("gochatai.chat.generation.starts_waiting",
            () => _limiter.GetStatistics()?.CurrentQueuedCount ?? 0, "{start}", "Answers waiting for their turn to start on this replica.");
    }

    /// <summary>Waits for a start's turn; disposing the returned turn lets the next one go.</summary>
    public async ValueTask<IDisposable> WaitTurnAsync(CancellationToken cancellationToken) =>
        await _limiter.AcquireAsync(1, cancellationToken);

    public void Dispose() => _limiter.Dispose();
}
