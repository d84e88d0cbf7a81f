using System.Globalization;
using Fulfillment.Engine.Configuration;
using Microsoft.Extensions.Configuration;

namespace Fulfillment.Engine.Alerts;

/// <summary>Validation of <c>Fulfillment:Alerts</c>, <c>Fulfillment:Quarantine</c> and <c>Fulfillment:Reconcile</c>, each problem by its key.</summary>
public static class AlertRules
{
    public static IEnumerable<ConfigProblem> Check(IConfiguration configuration)
    {
        var problems = new List<ConfigProblem>();
        if (SectionBinder.Bind<AlertOptions>(configuration, AlertOptions.Section, problems) is { } a)
        {
            problems.Range(AlertOptions.Section, nameof(a.StuckFactor), a.StuckFactor, 1, 100);
            problems.Positive(AlertOptions.Section, nameof(a.StuckAfterMin), a.StuckAfterMin);
            problems.Require(AlertOptions.Section, nameof(a.StuckAfter), a.StuckAfter >= a.StuckAfterMin,
                $"must be at least StuckAfterMin ({a.StuckAfterMin}), not {a.StuckAfter}");
        }

        if (SectionBinder.Bind<QuarantineOptions>(configuration, QuarantineOptions.Section, problems) is { } q)
        {
            var s = QuarantineOptions.Section;
            problems.Range(s, nameof(q.ErrorsPerHour), q.ErrorsPerHour, 1, 100_000);
            problems.Range(s, nameof(q.ProviderCancels), q.ProviderCancels, 1, 100_000);
            problems.Range(s, nameof(q.ProviderCancelUsers), q.ProviderCancelUsers, 1, 100_000);
            problems.Range(s, nameof(q.ProviderCancelPercent), q.ProviderCancelPercent, 0, 100);
            problems.Positive(s, nameof(q.ProviderCancelWindow), q.ProviderCancelWindow);
            problems.Range(s, nameof(q.StuckOrders), q.StuckOrders, 1, 100_000);
            problems.Require(s, nameof(q.Cooldowns), q.Cooldowns.All(c => c > TimeSpan.Zero),
                $"must list positive durations, not [{string.Join(", ", q.Cooldowns)}]");
            problems.Positive(s, nameof(q.ResetAfter), q.ResetAfter);
        }

        // The binder drops a list item it cannot convert (the default cooldowns would then apply unseen): each one is checked here.
        foreach (var item in configuration.GetSection($"{QuarantineOptions.Section}:{nameof(QuarantineOptions.Cooldowns)}").GetChildren())
        {
            problems.Require(QuarantineOptions.Section, $"{nameof(QuarantineOptions.Cooldowns)}:{item.Key}",
                TimeSpan.TryParse(item.Value, CultureInfo.InvariantCulture, out _), $"'{item.Value}' is not a valid duration (hh:mm:ss)");
        }

        if (SectionBinder.Bind<ReconcileOptions>(configuration, ReconcileOptions.Section, problems) is { } r)
        {
            problems.Range(ReconcileOptions.Section, nameof(r.CostTolerancePercent), r.CostTolerancePercent, 0, 1000);
            problems.Range(ReconcileOptions.Section, nameof(r.CostMismatchMinOrders), r.CostMismatchMinOrders, 1, 100_000);
        }

        return problems;
    }
}
