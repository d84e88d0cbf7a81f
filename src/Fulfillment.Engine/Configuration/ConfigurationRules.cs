using Microsoft.Extensions.Configuration;

namespace Fulfillment.Engine.Configuration;

/// <summary>
/// The configuration rules of the engine's modules, run by <c>check-config</c> and at start-up.
/// A module adds one rule for its own section; each problem names its key.
/// </summary>
public static class ConfigurationRules
{
    public static IReadOnlyList<Func<IConfiguration, IEnumerable<ConfigProblem>>> All { get; } =
    [
        Orders.LifecycleConfiguration.Check,
        Providers.ProviderConfiguration.Check,
        Retention.RetentionRules.Check,
        Telemetry.MetricsRules.Check,
    ];
}
