using Fulfillment.Engine.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Fulfillment.Engine.Pricing;

/// <summary>Prices that keep the margin, and the average time users are shown: settings and their rules.</summary>
public static class PricingModule
{
    public static IServiceCollection AddPricing(this IServiceCollection services)
    {
        services.AddOptions<StatsOptions>().BindConfiguration(StatsOptions.Section);
        services.AddOptions<PricingOptions>().BindConfiguration(PricingOptions.Section);
        return services;
    }

    /// <summary>Validation of <c>Fulfillment:Stats</c> and <c>Fulfillment:Pricing</c>, each problem by its key.</summary>
    public static IEnumerable<ConfigProblem> Check(IConfiguration configuration)
    {
        var problems = new List<ConfigProblem>();
        if (SectionBinder.Bind<StatsOptions>(configuration, StatsOptions.Section, problems) is { } s)
        {
            problems.Range(StatsOptions.Section, nameof(s.OrdersCounted), s.OrdersCounted, 1, 1000);
        }

        if (SectionBinder.Bind<PricingOptions>(configuration, PricingOptions.Section, problems) is { } p)
        {
            problems.Require(PricingOptions.Section, nameof(p.RateStep), p.RateStep is > 0 and <= 1000, $"must be positive and at most 1000, not {p.RateStep}");
            problems.Require(PricingOptions.Section, nameof(p.HoldAbovePercent), p.HoldAbovePercent is >= 0 and <= 100_000,
                $"must be between 0 and 100000, not {p.HoldAbovePercent}");
        }

        return problems;
    }
}
