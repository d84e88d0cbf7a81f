using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Fulfillment.Tests.Shared;

/// <summary>
/// The order tests run in: shuffled by a seed, so a test that passes only after (or before) another is found. The seed is
/// <c>FULFILLMENT_TEST_SEED</c> when set (to run an order again), else a fresh one; each test project says which it used
/// on the console (an xUnit.net diagnostic line: <c>test order shuffled with FULFILLMENT_TEST_SEED=N</c>).
/// </summary>
/// <remarks>
/// Each item's place comes from a hash of the seed and its own name, not from a stream of random numbers: a test class keeps
/// the same order of its tests under one seed whatever else runs (a <c>--filter</c> on that class reproduces it), and the
/// classes keep their relative order.
/// </remarks>
public static class ShuffledOrder
{
    public const string SeedVariable = "FULFILLMENT_TEST_SEED";

    private static readonly Lazy<(int Seed, string Source)> Chosen = new(Choose);
    private static int _announced;

    public static int Seed => Chosen.Value.Seed;

    /// <summary><paramref name="items"/> in <paramref name="seed"/>'s order, each placed by its <paramref name="name"/>.</summary>
    public static IEnumerable<T> Shuffle<T>(IEnumerable<T> items, Func<T, string> name, int seed) =>
        items.Select(item => (Item: item, Name: name(item)))
            .OrderBy(x => Place(seed, x.Name))
            .ThenBy(x => x.Name, StringComparer.Ordinal)
            .Select(x => x.Item);

    /// <summary>Says once per test process which seed ordered it, where <c>dotnet test</c> shows it.</summary>
    public static void Announce(IMessageSink diagnostics)
    {
        if (Interlocked.Exchange(ref _announced, 1) == 0)
        {
            // The runner puts the test assembly's name before it.
            diagnostics.OnMessage(new DiagnosticMessage(
                $"test order shuffled with {SeedVariable}={Seed} ({Chosen.Value.Source}); set {SeedVariable}={Seed} to run this order again"));
        }
    }

    private static ulong Place(int seed, string name) =>
        BitConverter.ToUInt64(SHA256.HashData(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{seed}/{name}"))));

    private static (int, string) Choose()
    {
        var set = Environment.GetEnvironmentVariable(SeedVariable);
        if (string.IsNullOrWhiteSpace(set))
        {
            return (Random.Shared.Next(), "a fresh seed");
        }

        return int.TryParse(set, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed)
            ? (seed, "from the environment")
            : (Random.Shared.Next(), $"a fresh seed: '{set}' is not a number");
    }
}

/// <summary>The tests of a class in <see cref="ShuffledOrder"/>.</summary>
public sealed class ShuffledTestCases(IMessageSink diagnostics) : ITestCaseOrderer
{
    public IEnumerable<TTestCase> OrderTestCases<TTestCase>(IEnumerable<TTestCase> testCases) where TTestCase : ITestCase
    {
        ShuffledOrder.Announce(diagnostics);
        return ShuffledOrder.Shuffle(testCases, c => c.UniqueID, ShuffledOrder.Seed);
    }
}

/// <summary>The test classes (each its own collection) in <see cref="ShuffledOrder"/>.</summary>
public sealed class ShuffledTestCollections(IMessageSink diagnostics) : ITestCollectionOrderer
{
    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections)
    {
        ShuffledOrder.Announce(diagnostics);
        return ShuffledOrder.Shuffle(testCollections, c => c.DisplayName, ShuffledOrder.Seed);
    }
}
