using Fulfillment.Providers;
using Fulfillment.Providers.Smm;
using Fulfillment.Simulator;
using Fulfillment.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Fulfillment.Tests.Lifecycle;

/// <summary>
/// The soak's checks can fail: a broken engine runs a smaller soak (300 orders, two instances) and the comparison
/// with the provider's record catches it, while every check the database itself could make still passes. Broken
/// two ways through a test seam that wraps the real client's status answers, and one way by configuration
/// (lost adds re-sent).
/// </summary>
public sealed class BrokenEngineTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    public enum Breakage
    {
        /// <summary>A Partial answer's remains read as 0: the order is partial, refunded nothing.</summary>
        IgnoresRemains,

        /// <summary>"completed", "COMPLETED", "tasks.status.completed" read as canceled: refunded in full though delivered.</summary>
        AlternativeCompletedAsCanceled,

        /// <summary>An add whose answer was lost after the provider processed it is sent again (AllowResendOnUnknown, no seam needed).</summary>
        ResendsLostAdds,
    }

    [Theory]
    [InlineData(Breakage.IgnoresRemains, "partial at the provider", "the ledger has 0 ")]
    [InlineData(Breakage.AlternativeCompletedAsCanceled, "completed at the provider", "but canceled here")]
    [InlineData(Breakage.ResendsLostAdds, "Processed", "only an add refused before processing may be sent again")]
    public async Task A_broken_engine_fails_the_soak_and_only_the_providers_record_shows_it(Breakage breakage, string truth, string caught)
    {
        var (simulator, provider) = await Soak.RunAsync(fixture, $"broken{(int)breakage}", orders: 300, instances: 2, new SimulatorSettings
        {
            Seed = 7,
            FaultRate = 0.10,
            SpeedFactor = 200,
            PartialProbability = 0.2,
            CanceledProbability = 0.1,
            AltStatusSpellingRate = 0.3,
        }, services => BrokenStatusReading.Install(services, breakage),
        breakage == Breakage.ResendsLostAdds ? [$"--Fulfillment:Providers:Overrides:broken{(int)breakage}:AllowResendOnUnknown=true"] : []);
        await using var _ = simulator;

        var report = await Invariants.CompareAsync(fixture.DataSource, simulator, provider);

        Assert.Contains(report.Violations, v => v.Contains(truth, StringComparison.Ordinal) && v.Contains(caught, StringComparison.Ordinal));
        Console.WriteLine($"{breakage}: {report.Describe(5)}");

        // What the database alone can check passes: balances equal ledger sums, one refund per order, and every
        // partial refund agrees with the remains the engine itself stored. Only the provider's truth catches it.
        var panel = new Panel(fixture.DataSource);
        Assert.Equal(0L, await panel.ScalarAsync<long>(
            "SELECT count(*) FROM users u WHERE u.balance <> (SELECT coalesce(sum(amount), 0) FROM ledger l WHERE l.user_id = u.id)"));
        Assert.Equal(0L, await panel.ScalarAsync<long>("""
            SELECT count(*) FROM orders o JOIN services s ON s.id = o.service_id
            WHERE s.provider_id = $1 AND o.status = 'partial' AND o.refunded <> fulfillment_partial_refund(o.charge, coalesce(o.remains, 0), o.charged_units)
            """, provider));
        Assert.Equal(0L, await panel.ScalarAsync<long>("""
            SELECT count(*) FROM orders o JOIN services s ON s.id = o.service_id
            WHERE s.provider_id = $1 AND o.status IN ('canceled', 'failed') AND o.refunded <> o.charge
            """, provider));
    }

    /// <summary>The real client, with its status answers misread as <see cref="Breakage"/> says.</summary>
    private sealed class BrokenStatusReading(ISmmClient inner, Breakage breakage) : ISmmClient
    {
        public static void Install(IServiceCollection services, Breakage breakage)
        {
            var real = services.Last(s => s.ServiceType == typeof(ISmmClient));
            services.Remove(real);
            services.AddSingleton<ISmmClient>(sp => new BrokenStatusReading(
                (ISmmClient)(real.ImplementationInstance ?? real.ImplementationFactory?.Invoke(sp) ?? ActivatorUtilities.CreateInstance(sp, real.ImplementationType!)),
                breakage));
        }

        private StatusResult Misread(StatusResult r) => breakage switch
        {
            Breakage.IgnoresRemains when r.State == ProviderOrderState.Partial => r with { Remains = 0 },
            Breakage.AlternativeCompletedAsCanceled when r.State == ProviderOrderState.Completed && r.RawStatus != "Completed" =>
                r with { State = ProviderOrderState.Canceled },
            _ => r,
        };

        public async Task<StatusResult> GetStatusAsync(ProviderEndpoint provider, string providerOrderId, CancellationToken cancellationToken) =>
            Misread(await inner.GetStatusAsync(provider, providerOrderId, cancellationToken));

        public async Task<IReadOnlyDictionary<string, StatusResult>> GetStatusesAsync(
            ProviderEndpoint provider, IReadOnlyCollection<string> providerOrderIds, CancellationToken cancellationToken) =>
            (await inner.GetStatusesAsync(provider, providerOrderIds, cancellationToken)).ToDictionary(kv => kv.Key, kv => Misread(kv.Value));

        public Task<AddOutcome> AddAsync(ProviderEndpoint provider, AddOrderRequest request, CancellationToken cancellationToken) =>
            inner.AddAsync(provider, request, cancellationToken);

        public Task<IReadOnlyList<ProviderServiceInfo>> GetServicesAsync(ProviderEndpoint provider, CancellationToken cancellationToken) =>
            inner.GetServicesAsync(provider, cancellationToken);

        public Task<BalanceResult> GetBalanceAsync(ProviderEndpoint provider, CancellationToken cancellationToken) => inner.GetBalanceAsync(provider, cancellationToken);

        public Task<RefillOutcome> RefillAsync(ProviderEndpoint provider, string providerOrderId, CancellationToken cancellationToken) =>
            inner.RefillAsync(provider, providerOrderId, cancellationToken);

        public Task<IReadOnlyDictionary<string, RefillOutcome>> RefillManyAsync(
            ProviderEndpoint provider, IReadOnlyCollection<string> providerOrderIds, CancellationToken cancellationToken) =>
            inner.RefillManyAsync(provider, providerOrderIds, cancellationToken);

        public Task<RefillStatusResult> GetRefillStatusAsync(ProviderEndpoint provider, string refillId, CancellationToken cancellationToken) =>
            inner.GetRefillStatusAsync(provider, refillId, cancellationToken);

        public Task<IReadOnlyDictionary<string, RefillStatusResult>> GetRefillStatusesAsync(
            ProviderEndpoint provider, IReadOnlyCollection<string> refillIds, CancellationToken cancellationToken) =>
            inner.GetRefillStatusesAsync(provider, refillIds, cancellationToken);

        public Task<IReadOnlyDictionary<string, CancelOutcome>> CancelAsync(
            ProviderEndpoint provider, IReadOnlyCollection<string> providerOrderIds, CancellationToken cancellationToken) =>
            inner.CancelAsync(provider, providerOrderIds, cancellationToken);
    }
}
