using Fulfillment.Data.Entities;
using Fulfillment.Engine.Alerts.Sql;
using Fulfillment.Engine.Jobs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Fulfillment.Engine.Alerts;

/// <summary>
/// ReconcileMoney (daily): every user's balance against the ledger and every finished order's charge and refund against its ledger rows
/// (<c>balance_mismatch</c> per user, the orders named), and each provider's recorded costs against what it listed
/// (<c>cost_mismatch</c>). It only tells: the engine never fixes money by itself.
/// </summary>
public sealed class ReconcileMoneyJob(NpgsqlDataSource db, AlertBook alerts, IOptions<ReconcileOptions> options, TimeProvider clock,
    ILogger<ReconcileMoneyJob> logger) : IEngineJob
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var users = await MoneyChecks.BalanceMismatchesAsync(db, cancellationToken);
        await alerts.StateAsync(AlertKind.BalanceMismatch, AlertSubject.User, users, null, cancellationToken);
        var providers = await MoneyChecks.CostMismatchesAsync(db, options.Value, clock.GetUtcNow(), cancellationToken);
        await alerts.StateAsync(AlertKind.CostMismatch, AlertSubject.Provider, providers, null, cancellationToken);
        logger.LogInformation("Money reconciled: {Users} user(s) whose money does not add up, {Providers} provider(s) charging off their listed rates",
            users.Count, providers.Count);
    }
}
