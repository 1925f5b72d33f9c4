extern alias chatservice;

using chatservice::GoChatAi.ChatService.Application;
using chatservice::GoChatAi.ChatService.Application.Generations;
using Microsoft.Extensions.Options;

namespace GoChatAi.Tests.Unit;

/// <summary>Starts beyond the limit wait their turn, oldest first, as long as their callers wait.</summary>
public sealed class GenerationStartsTests : IDisposable
{
    private readonly GenerationStarts _starts = new(Options.Create(new ChatOptions { ConcurrentStarts = 2 }), new TestMeterFactory());

    public void Dispose() => _starts.Dispose();

    [Fact]
    public async Task Starts_past_the_limit_wait_and_go_in_the_order_they_came_as_turns_end()
    {
        var first = await _starts.WaitTurnAsync(CancellationToken.None);
        var second = await _starts.WaitTurnAsync(CancellationToken.None);
        var third = _starts.WaitTurnAsync(CancellationToken.None).AsTask();
        var fourth = _starts.WaitTurnAsync(CancellationToken.None).AsTask();
        Assert.False(third.IsCompleted);
        Assert.False(fourth.IsCompleted);

        second.Dispose();
        using var thirdTurn = await third.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(fourth.IsCompleted);

        first.Dispose();
        (await fourth.WaitAsync(TimeSpan.FromSeconds(10))).Dispose();
    }

    [Fact]
    public async Task A_caller_who_stops_waiting_leaves_the_queue_without_a_turn()
    {
        using var first = await _starts.WaitTurnAsync(CancellationToken.None);
        using var second = await _starts.WaitTurnAsync(CancellationToken.None);
        using var gone = new CancellationTokenSource();
        var leaving = _starts.WaitTurnAsync(gone.Token).AsTask();
        var next = _starts.WaitTurnAsync(CancellationToken.None).AsTask();

        await gone.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => leaving);
        second.Dispose();
        (await next.WaitAsync(TimeSpan.FromSeconds(10))).Dispose();
    }

    [Fact]
    public async Task Thousands_of_starts_at_once_all_get_their_turn()
    {
        var finished = 0;
        await Task.WhenAll(Enumerable.Range(0, 5_000).Select(async _ =>
        {
            using var turn = await _starts.WaitTurnAsync(CancellationToken.None);
            await Task.Yield();
            Interlocked.Increment(ref finished);
        }));

        Assert.Equal(5_000, finished);
    }
}
