using Fulfillment.Engine.Database;
using Serilog.Core;
using Serilog.Events;

namespace Fulfillment.Worker.Hosting;

/// <summary>
/// Takes the warnings and errors that only say "the database cannot be reached" out of the log and
/// hands them to <see cref="DatabaseAvailability"/>, which logs an outage once. The engine's own code
/// reports such failures itself; this is for the libraries' retry loops (Quartz's cluster check-in,
/// misfire handler and trigger acquisition, EF Core), which would otherwise log every attempt. Other
/// categories are left alone: the host's "failed to start", say, must say why.
/// </summary>
public sealed class DatabaseOutageLogFilter(IServiceProvider services) : ILogEventFilter
{
    private static readonly string Own = typeof(DatabaseAvailability).FullName!;
    private static readonly string[] Filtered = ["Quartz", "Npgsql", "Microsoft.EntityFrameworkCore", "Fulfillment"];

    // Resolved on the first such event, not when the logger is built: it logs through that logger.
    private DatabaseAvailability? _availability;

    public bool IsEnabled(LogEvent logEvent)
    {
        if (logEvent.Level < LogEventLevel.Warning || !DatabaseFailures.IsUnreachable(logEvent.Exception))
        {
            return true;
        }

        var source = logEvent.Properties.TryGetValue("SourceContext", out var value) && value is ScalarValue { Value: string name } ? name : "";
        if (source == Own || !Filtered.Any(prefix => source.StartsWith(prefix, StringComparison.Ordinal)))
        {
            return true;
        }

        _availability ??= services.GetRequiredService<DatabaseAvailability>();
        return !_availability.Report(logEvent.Exception!, source);
    }
}
