using System.Diagnostics;

namespace Fulfillment.Tests.Infrastructure;

public static class Poll
{
    /// <summary>Waits until <paramref name="condition"/> holds, failing with <paramref name="failure"/> after <paramref name="timeout"/>.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> failure)
    {
        var waited = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(waited.Elapsed < timeout, $"after {waited.Elapsed.TotalSeconds:0.0} s: {failure()}");
            await Task.Delay(50);
        }
    }

    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, Func<string> failure) =>
        UntilAsync(() => Task.FromResult(condition()), timeout, failure);
}
