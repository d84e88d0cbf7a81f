namespace Fulfillment.Worker.Hosting;

public static class ConfigurationExtensions
{
    /// <summary>An extra settings file, e.g. /etc/fulfillment/appsettings.json, layered over the defaults.</summary>
    public const string ExtraConfigFileVariable = "FULFILLMENT_CONFIG";

    /// <summary>
    /// Sources, later wins: appsettings.json next to the binary (so it loads wherever the engine is
    /// started from), appsettings.{Environment}.json, the file in FULFILLMENT_CONFIG, environment
    /// variables (Fulfillment__Jobs__DispatchOrders__Enabled=false), then the command line.
    /// </summary>
    public static HostApplicationBuilder AddEngineConfiguration(this HostApplicationBuilder builder, string[] args)
    {
        var configuration = builder.Configuration;
        configuration.SetBasePath(AppContext.BaseDirectory);
        configuration.AddJsonFile("appsettings.json", optional: false, reloadOnChange: false);
        configuration.AddJsonFile($"appsettings.{builder.Environment.EnvironmentName}.json", optional: true, reloadOnChange: false);
        var extra = Environment.GetEnvironmentVariable(ExtraConfigFileVariable);
        if (!string.IsNullOrWhiteSpace(extra))
        {
            configuration.AddJsonFile(Path.GetFullPath(extra), optional: false, reloadOnChange: false);
        }

        configuration.AddEnvironmentVariables();
        configuration.AddCommandLine(args);
        return builder;
    }
}
