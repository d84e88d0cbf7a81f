using Fulfillment.Simulator;
using Fulfillment.Tests.Infrastructure;

namespace Fulfillment.Tests.Lifecycle;

/// <summary>
/// Several engine instances in one process on one database, against a faulty simulator. Every order is compared
/// with what the provider really did (<see cref="Invariants"/>): its record of every add, and its own final state
/// and remains for every order it created.
/// </summary>
public sealed class ClusterSoakTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task Four_instances_and_five_thousand_orders_through_a_faulty_provider_keep_every_invariant()
    {
        const int orders = 5000;
        var (simulator, provider) = await Soak.RunAsync(fixture, "soak", orders, instances: 4, new SimulatorSettings
        {
            Seed = 7,
            FaultRate = 0.10,
            SpeedFactor = 200,
            PartialProbability = 0.2,
            CanceledProbability = 0.1,
            AltStatusSpellingRate = 0.3,
            StringNumbersRate = 0.5,
        });
        await using var _ = simulator;

        var report = await Invariants.CompareAsync(fixture.DataSource, simulator, provider);
        var statuses = await Invariants.AssertAllAsync(fixture.DataSource, simulator, provider, orders, "soak");

        // The faults really happened, on both sides of processing, and every outcome the provider can reach was reached.
        Assert.True(report.Figures["adds_resent_after_refusal_before_processing"] > 0, "no add was refused before processing and sent again");
        Assert.True(report.Figures["adds_answer_lost_after_processing"] > 0, "no add lost its answer after the provider processed it");
        Assert.True(report.Figures["review_accepted_there_unknown_here"] > 0, "no order accepted by the provider ended in review");
        Assert.True(report.Figures["partial_refunds_checked_against_provider_remains"] > 0, "no partial refund was checked");
        Assert.All(new[] { "completed", "partial", "canceled", "review" }, s => Assert.True(statuses.GetValueOrDefault(s) > 0, $"no order {s}: {string.Join(", ", statuses)}"));
    }
}
