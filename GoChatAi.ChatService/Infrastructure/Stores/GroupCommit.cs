using System.Collections.Concurrent;

namespace GoChatAi.ChatService.Infrastructure.Stores;

/// <summary>
/// Writes to the same key that arrive together, written together: while one caller's write for a key runs, the
/// writes that arrive for the key wait, and the first of them then writes them all at once, in the order they
/// arrived (at most <paramref name="maxBatch"/>). Where every write to a key takes the same database lock, as
/// messages added to one conversation do, a busy key then costs one lock, one commit and one round trip for each
/// batch, not for each write. A write alone is written at once, by its own caller.
/// </summary>
public class GroupCommit<TKey, TItem, TResult>(int maxBatch) where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, Lane> _lanes = new();

    /// <summary>
    /// Writes <paramref name="item"/> with whichever others wait for the same key, and returns its own result of
    /// <paramref name="write"/>, which gets the batch in order and returns one result for each. A batch belongs to
    /// all its callers, so no one caller's cancellation stops it: <paramref name="write"/> bounds itself.
    /// </summary>
    public async Task<TResult> WriteAsync(TKey key, TItem item, Func<IReadOnlyList<TItem>, Task<IReadOnlyList<TResult>>> write)
    {
        var entry = new Entry(item);
        var (lane, writesNow) = Join(key, entry);
        if (!writesNow && !await entry.Turn.Task)
        {
            return entry.Result;
        }

        // This caller's entry is the first waiting, so it is in the batch it writes.
        var batch = lane.Take(maxBatch);
        try
        {
            var results = await write(batch.ConvertAll(e => e.Item));
            for (var i = 1; i < batch.Count; i++)
            {
                batch[i].Result = results[i];
                batch[i].Turn.TrySetResult(false);
            }

            return results[0];
        }
        catch (Exception exception)
        {
            for (var i = 1; i < batch.Count; i++)
            {
                batch[i].Turn.TrySetException(exception);
            }

            throw;
        }
        finally
        {
            PassOn(key, lane);
        }
    }

    private (Lane Lane, bool WritesNow) Join(TKey key, Entry entry)
    {
        while (true)
        {
            var lane = _lanes.GetOrAdd(key, static _ => new Lane());
            lock (lane.Gate)
            {
                if (lane.Retired)
                {
                    continue;
                }

                lane.Waiting.Add(entry);
                var writesNow = !lane.Writing;
                lane.Writing = true;
                return (lane, writesNow);
            }
        }
    }

    /// <summary>Hands the writing to the first entry that waits, or, with none waiting, lets the lane go.</summary>
    private void PassOn(TKey key, Lane lane)
    {
        lock (lane.Gate)
        {
            if (lane.Waiting.Count > 0)
            {
                lane.Waiting[0].Turn.TrySetResult(true);
                return;
            }

            lane.Writing = false;
            lane.Retired = true;
            _lanes.TryRemove(new KeyValuePair<TKey, Lane>(key, lane));
        }
    }

    private sealed class Entry(TItem item)
    {
        public TItem Item { get; } = item;

        public TResult Result { get; set; } = default!;

        /// <summary>True: it is this entry's turn to write; false: another caller wrote it, and <see cref="Result"/> is its result.</summary>
        public TaskCompletionSource<bool> Turn { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class Lane
    {
        public Lock Gate { get; } = new();

        public List<Entry> Waiting { get; } = [];

        /// <summary>A caller is writing (or has been handed the turn): those that join wait.</summary>
        public bool Writing { get; set; }

        /// <summary>Removed from the lanes: a caller that still finds it takes a new one.</summary>
        public bool Retired { get; set; }

        public List<Entry> Take(int count)
        {
            lock (Gate)
            {
                var batch = Waiting.GetRange(0, Math.Min(count, Waiting.Count));
                Waiting.RemoveRange(0, batch.Count);
                return batch;
            }
        }
    }
}
