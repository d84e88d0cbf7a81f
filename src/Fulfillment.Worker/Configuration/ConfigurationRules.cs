using Fulfillment.Engine.Alerts;
using Fulfillment.Engine.Configuration;
using Fulfillment.Engine.DripFeed;
using Fulfillment.Engine.Pricing;
using Fulfillment.Engine.ProviderWatch;
using Fulfillment.Engine.Retention;
using Fulfillment.Engine.Telemetry;
using Microsoft.Extensions.Configuration;

namespace Fulfillment.Worker.Configuration;

/// <summary>
/// The configuration rules of the engine's modules, run by <c>check-config</c> and at start-up.
/// A module adds one rule for its own section; each problem names its key.
/// </summary>
public static class ConfigurationRules
{
    public static IReadOnlyList<Func<IConfiguration, IEnumerable<ConfigProblem>>> All { get; } =
    [
        LifecycleRules.Check,
        DripFeedRules.Check,
        ProviderConfiguration.Check,
        RetentionRules.Check,
        MetricsRules.Check,
        AlertRules.Check,
        PricingModule.Check,
    ];
}
