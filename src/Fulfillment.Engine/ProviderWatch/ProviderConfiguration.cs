using System.ComponentModel.DataAnnotations;
using Fulfillment.Engine.Configuration;
using Fulfillment.Providers.Resilience;
using Microsoft.Extensions.Configuration;

namespace Fulfillment.Engine.ProviderWatch;

/// <summary>Validation of <c>Fulfillment:Providers</c> (the defaults and each provider's overrides, by key) and <c>Fulfillment:ProviderSync</c>.</summary>
public static class ProviderConfiguration
{
    public static IEnumerable<ConfigProblem> Check(IConfiguration configuration)
    {
        var problems = new List<ConfigProblem>();
        SectionBinder.Bind<ProviderSyncOptions>(configuration, ProviderSyncOptions.Section, problems);
        foreach (var child in configuration.GetSection(ProviderResilienceOptions.Section).GetChildren())
        {
            if (child.Key is not ("Defaults" or "Overrides"))
            {
                problems.Add(new(child.Path, "unknown setting; Fulfillment:Providers holds Defaults and Overrides:<provider name>"));
            }
        }

        var sections = new List<string> { ProviderResilienceOptions.DefaultsSection };
        sections.AddRange(configuration.GetSection(ProviderResilienceOptions.OverridesSection).GetChildren().Select(c => c.Path));
        foreach (var section in sections)
        {
            if (SectionBinder.Bind<ProviderResilienceOptions>(configuration, section, problems) is not { } options)
            {
                continue;
            }

            // Overrides are checked merged over the defaults, as the engine will use them.
            if (section != ProviderResilienceOptions.DefaultsSection)
            {
                options = new ProviderResilienceOptions();
                configuration.GetSection(ProviderResilienceOptions.DefaultsSection).Bind(options);
                configuration.GetSection(section).Bind(options);
            }

            var results = new List<ValidationResult>();
            Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
            problems.AddRange(results.Select(r => new ConfigProblem($"{section}:{r.MemberNames.FirstOrDefault()}", r.ErrorMessage ?? "is not valid")));
        }

        return problems;
    }
}
