using Fulfillment.Engine.Configuration;
using Serilog;
using Serilog.Formatting.Compact;

namespace Fulfillment.Worker.Hosting;

public static class LoggingExtensions
{
    private const string TextTemplate = "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj} {Properties:j}{NewLine}{Exception}";

    /// <summary>
    /// Serilog to the console: readable text by default, compact JSON when
    /// <c>Fulfillment:Logging:Format</c> is <c>json</c>. Levels come from the <c>Serilog</c> section.
    /// </summary>
    public static HostApplicationBuilder AddEngineLogging(this HostApplicationBuilder builder)
    {
        var format = builder.Configuration[$"{LoggingOptions.Section}:Format"] ?? "text";
        builder.Services.AddSerilog((services, logger) =>
        {
            logger.ReadFrom.Configuration(builder.Configuration)
                .Enrich.FromLogContext()
                .Filter.With(new DatabaseOutageLogFilter(services));
            if (string.Equals(format, "json", StringComparison.OrdinalIgnoreCase))
            {
                logger.WriteTo.Console(new CompactJsonFormatter());
            }
            else
            {
                logger.WriteTo.Console(outputTemplate: TextTemplate, formatProvider: System.Globalization.CultureInfo.InvariantCulture);
            }
        });
        return builder;
    }
}
