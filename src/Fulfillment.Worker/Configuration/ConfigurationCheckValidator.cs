using Fulfillment.Engine.Jobs;
using Fulfillment.Worker.Jobs;
using Microsoft.Extensions.Options;

namespace Fulfillment.Worker.Configuration;

/// <summary>Runs <see cref="ConfigurationCheck"/> for ValidateOnStart, so a host built any other way fails the same way.</summary>
public sealed class ConfigurationCheckValidator<T>(IConfiguration configuration, JobCatalog catalog) : IValidateOptions<T>
    where T : class
{
    public ValidateOptionsResult Validate(string? name, T options)
    {
        var errors = ConfigurationCheck.Run(configuration, catalog).Where(p => !p.IsWarning).Select(p => p.ToString()).ToList();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
