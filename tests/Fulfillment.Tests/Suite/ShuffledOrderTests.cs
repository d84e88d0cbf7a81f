namespace Fulfillment.Tests.Suite;

/// <summary>The seeded shuffle the suite runs in (tests/Shared/ShuffledOrder.cs).</summary>
[Trait("Lane", "Fast")]
public sealed class ShuffledOrderTests
{
    private static readonly string[] Names = [.. Enumerable.Range(0, 200).Select(i => $"Fulfillment.Tests.Class{i}")];

    [Fact]
    public void The_shuffle_is_a_permutation_that_depends_on_the_seed_and_the_names_not_on_the_order_they_come_in()
    {
        var once = ShuffledOrder.Shuffle(Names, n => n, seed: 7).ToList();

        Assert.Equal(Names.Order(StringComparer.Ordinal), once.Order(StringComparer.Ordinal));
        Assert.NotEqual(Names, once);
        Assert.Equal(once, ShuffledOrder.Shuffle(Names.Reverse(), n => n, seed: 7));
        Assert.NotEqual(once, ShuffledOrder.Shuffle(Names, n => n, seed: 8));
    }

    [Fact]
    public void A_subset_keeps_its_relative_order_so_a_filtered_run_reproduces_the_order_of_a_whole_one()
    {
        var whole = ShuffledOrder.Shuffle(Names, n => n, seed: 7).ToList();
        var some = Names.Where((_, i) => i % 7 == 0).ToList();

        Assert.Equal(whole.Where(some.Contains), ShuffledOrder.Shuffle(some, n => n, seed: 7));
    }
}
