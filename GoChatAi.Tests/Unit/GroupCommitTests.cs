extern alias chatservice;

using chatservice::GoChatAi.ChatService.Infrastructure.Stores;

namespace GoChatAi.Tests.Unit;

/// <summary>
/// Writes to one key that arrive while another is written wait and are written together next, in the order they
/// arrived, each caller getting its own result; other keys never wait for them.
/// </summary>
public sealed class GroupCommitTests
{
    private readonly GroupCommit<string, int, string> _commit = new(maxBatch: 3);
    private readonly List<int[]> _batches = [];

    [Fact]
    public async Task A_write_alone_is_written_at_once_by_itself()
    {
        Assert.Equal("wrote 7", await _commit.WriteAsync("a", 7, RecordAsync));
        Assert.Equal([[7]], _batches);
    }

    [Fact]
    public async Task Writes_that_arrive_while_one_is_written_are_written_together_next_in_order_each_with_its_own_result()
    {
        var gate = new TaskCompletionSource();
        var first = _commit.WriteAsync("a", 1, batch => HeldAsync(batch, gate.Task));
        var waiting = Enumerable.Range(2, 2).Select(i => _commit.WriteAsync("a", i, RecordAsync)).ToArray();
        Assert.All(waiting, w => Assert.False(w.IsCompleted));

        gate.SetResult();

        Assert.Equal("wrote 1", await first);
        Assert.Equal(["wrote 2", "wrote 3"], await Task.WhenAll(waiting));
        Assert.Equal([[1], [2, 3]], _batches);
    }

    [Fact]
    public async Task A_batch_takes_at_most_its_limit_and_the_rest_wait_for_the_next()
    {
        var gate = new TaskCompletionSource();
        var first = _commit.WriteAsync("a", 0, batch => HeldAsync(batch, gate.Task));
        var waiting = Enumerable.Range(1, 5).Select(i => _commit.WriteAsync("a", i, RecordAsync)).ToArray();

        gate.SetResult();
        await first;
        await Task.WhenAll(waiting);

        Assert.Equal([[0], [1, 2, 3], [4, 5]], _batches);
    }

    [Fact]
    public async Task A_failed_batch_fails_its_callers_only_and_the_next_batch_is_still_written()
    {
        var gate = new TaskCompletionSource();
        var first = _commit.WriteAsync("a", 1, batch => HeldAsync(batch, gate.Task));
        var failing = Enumerable.Range(2, 2).Select(i => _commit.WriteAsync("a", i, _ => FailAsync())).ToArray();

        gate.SetResult();

        Assert.Equal("wrote 1", await first);
        foreach (var write in failing)
        {
            Assert.Equal("the database is gone", (await Assert.ThrowsAsync<InvalidOperationException>(() => write)).Message);
        }

        Assert.Equal("wrote 4", await _commit.WriteAsync("a", 4, RecordAsync));
    }

    [Fact]
    public async Task Writes_to_another_key_do_not_wait()
    {
        var gate = new TaskCompletionSource();
        var held = _commit.WriteAsync("a", 1, batch => HeldAsync(batch, gate.Task));

        Assert.Equal("wrote 2", await _commit.WriteAsync("b", 2, RecordAsync));
        Assert.False(held.IsCompleted);

        gate.SetResult();
        Assert.Equal("wrote 1", await held);
    }

    private Task<IReadOnlyList<string>> RecordAsync(IReadOnlyList<int> batch)
    {
        lock (_batches)
        {
            _batches.Add([.. batch]);
        }

        return Task.FromResult<IReadOnlyList<string>>([.. batch.Select(i => $"wrote {i}")]);
    }

    private async Task<IReadOnlyList<string>> HeldAsync(IReadOnlyList<int> batch, Task gate)
    {
        await gate;
        return await RecordAsync(batch);
    }

    private static Task<IReadOnlyList<string>> FailAsync() =>
        Task.FromException<IReadOnlyList<string>>(new InvalidOperationException("the database is gone"));
}
