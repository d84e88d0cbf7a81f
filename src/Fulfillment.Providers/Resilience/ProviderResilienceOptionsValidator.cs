using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Fulfillment.Providers.Resilience;

/// <summary>
/// DataAnnotations for every provider name (the built-in validator only checks one name),
/// with messages naming the configuration key to fix.
/// </summary>
internal sealed class ProviderResilienceOptionsValidator : IValidateOptions<ProviderResilienceOptions>
{
    public ValidateOptionsResult Validate(string? name, ProviderResilienceOptions options)
    {
        var section = string.IsNullOrEmpty(name)
            ? ProviderResilienceOptions.DefaultsSection
            : ProviderResilienceOptionsSetup.OverrideSection(name);

        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        var failures = results
            .Select(r => $"{section}:{r.MemberNames.FirstOrDefault()}: {r.ErrorMessage}")
            .ToList();

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
