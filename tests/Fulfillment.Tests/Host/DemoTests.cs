using System.Text.RegularExpressions;
using Fulfillment.Tests.Infrastructure;

namespace Fulfillment.Tests.Host;

public sealed partial class DemoTests
{
    [Fact]
    public async Task The_demo_settles_every_order_and_prints_a_consistent_summary()
    {
        using var demo = EngineProcess.Start("demo");

        var exit = await demo.WaitForExitAsync(TimeSpan.FromMinutes(3));

        Assert.True(exit == 0, demo.Output);
        Assert.Contains("All orders settled", demo.Output, StringComparison.Ordinal);
        Assert.Matches(BalanceMismatches(), demo.Output);
        // The simulator rejects one refill in ten, and may finish an order before its cancel arrives.
        Assert.Matches(RequestAnswered("refill"), demo.Output);
        Assert.Matches(RequestAnswered("cancel"), demo.Output);
        Assert.Contains("Demo database removed.", demo.Output, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"users whose balance <> ledger sum\s+0\b")]
    private static partial Regex BalanceMismatches();

    private static Regex RequestAnswered(string kind) => new($@"{kind} request (done|rejected)\s+1\b");
}
