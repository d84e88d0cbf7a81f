namespace Fulfillment.Tests.Shared;

/// <summary>
/// Waiting in tests: a condition polled until it holds, bounded by a timeout that fails the test (never a last value
/// returned as if it were the answer), and failing at once when a task the wait depends on faults or is canceled.
/// No fixed sleep decides a pass: the wait ends as soon as the condition holds.
/// </summary>
public static class Poll
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(10);

    /// <param name="watched">Tasks the condition depends on: one that faults (or is canceled) fails the wait with its exception.</param>
    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what, params Task[] watched) =>
        UntilAsync(() => Task.FromResult(condition()), timeout, what, watched);

    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, params Task[] watched) =>
        await UntilAsync(condition, v => v, timeout, what, null, watched);

    /// <summary>Waits until <paramref name="condition"/> holds; on timeout the test fails with <paramref name="failure"/>, read then.</summary>
    public static Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> failure) =>
        UntilAsync(condition, v => v, timeout, "the condition", _ => Task.FromResult(failure()));

    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, Func<string> failure) =>
        UntilAsync(() => Task.FromResult(condition()), timeout, failure);

    /// <summary>Reads until <paramref name="done"/> holds and returns that value; on timeout the test fails with the last value read.</summary>
    public static Task<T> UntilAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan timeout, string what,
        Func<T, Task<string>>? describe = null, params Task[] watched) =>
        UntilAsync(read, done, timeout, what, describe, Interval, watched);

    /// <summary>
    /// As above, reading every <paramref name="interval"/>: for a read that costs the machine something (a query over many
    /// rows), so the wait does not take the CPU from what it waits for.
    /// </summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan timeout, string what,
        Func<T, Task<string>>? describe, TimeSpan interval, params Task[] watched)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            Check(watched, what);
            var value = await read();
            if (done(value))
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                var detail = describe is null ? $"last value: {value}" : await describe(value);
                Assert.Fail($"Timed out after {timeout} waiting for {what}; {detail}");
            }

            await Task.Delay(interval);
        }
    }

    /// <summary>Fails the test when one of the tasks faulted or was canceled, with its exception.</summary>
    public static void Check(IEnumerable<Task> watched, string what)
    {
        foreach (var task in watched)
        {
            if (task.IsFaulted || task.IsCanceled)
            {
                Assert.Fail($"While waiting for {what}, a task it depends on {(task.IsCanceled ? "was canceled" : "failed")}: {task.Exception?.GetBaseException()}");
            }
        }
    }
}
