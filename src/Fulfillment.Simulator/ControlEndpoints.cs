using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;

namespace Fulfillment.Simulator;

/// <summary>
/// <c>/_sim/...</c>: lets another process (a crash test, an operator) read the record and tune the
/// simulator while it runs. Unauthenticated: the simulator is meant for loopback and test networks.
/// </summary>
internal static class ControlEndpoints
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        WriteIndented = true,
    };

    public static void MapControlEndpoints(this IEndpointRouteBuilder app, SimulatorState state)
    {
        var sim = app.MapGroup("/_sim");
        MapRecord(sim, state);
        MapSnapshots(sim, state);
        MapChanges(sim, state);
    }

    /// <summary>The request record: what was asked, how often, and what is still in flight.</summary>
    private static void MapRecord(RouteGroupBuilder sim, SimulatorState state)
    {
        sim.MapGet("/record/adds", (string? link) => link is null
            ? Results.Json(state.Record.AddsByLink(), Json)
            : Results.Json(new { link, count = state.Record.AddCount(link), processed = state.Record.ProcessedAddCount(link) }, Json));

        // Adds per link the provider processed (created an order or refused it on its merits), for another process.
        sim.MapGet("/record/processed-adds", () => Results.Json(state.Record.ProcessedAddsByLink(), Json));

        sim.MapGet("/record/counts", () => Results.Json(new
        {
            total = state.Record.Total,
            actions = state.Record.CountsByAction(),
            in_flight = state.Record.CountsByAction().Keys.ToDictionary(a => a, state.Record.InFlight),
        }, Json));

        sim.MapGet("/record", (string? action, int? limit) =>
            Results.Json(state.Record.Requests(action).TakeLast(limit ?? 1000), Json));

        sim.MapDelete("/record", () =>
        {
            state.Record.Clear();
            return Results.NoContent();
        });
    }

    /// <summary>The simulator's orders, activations and settings as they stand.</summary>
    private static void MapSnapshots(RouteGroupBuilder sim, SimulatorState state)
    {
        sim.MapGet("/orders/{id:long}", (long id) => state.Orders.Find(id) is { } order
            ? Results.Json(Snapshot(order, state.Time.GetUtcNow()), Json)
            : Results.NotFound());

        sim.MapGet("/activations/{id:long}", (long id) => state.Activations.Find(id) is { } activation
            ? Results.Json(Snapshot(activation, state.Time.GetUtcNow()), Json)
            : Results.NotFound());

        sim.MapGet("/activations", () => Results.Json(new { count = state.Activations.Count }, Json));

        sim.MapGet("/settings", () => Results.Json(state.Settings, Json));
    }

    /// <summary>Changes to the provider while it runs: an outage, its services, its settings.</summary>
    private static void MapChanges(RouteGroupBuilder sim, SimulatorState state)
    {
        // The provider goes down: the listener closes (connections are refused) and opens again after the duration.
        sim.MapPost("/outage", (TimeSpan? duration) =>
        {
            if (duration is not { } d || d <= TimeSpan.Zero || state.Outage is not { } outage)
                return Results.BadRequest(new { error = "give a positive duration, e.g. /_sim/outage?duration=00:00:30" });
            outage(d);
            return Results.Accepted(value: new { down_for = d });
        });

        // The provider stops offering a service (it leaves the list; adds for it are refused), or changes its price.
        sim.MapPost("/services/{id:int}/disable", (int id) =>
        {
            state.DisableService(id);
            return Results.NoContent();
        });

        sim.MapPost("/services/{id:int}/rate", (int id, decimal? rate) =>
        {
            if (rate is not >= 0)
                return Results.BadRequest(new { error = "give a rate, e.g. /_sim/services/1/rate?rate=1.50" });
            state.SetRate(id, rate.Value);
            return Results.NoContent();
        });

        sim.MapPost("/settings", async (HttpRequest request) =>
        {
            using var document = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
            Apply(state.Settings, document.RootElement);
            return Results.Json(state.Settings, Json);
        });
    }

    /// <summary>
    /// Applies a partial JSON object through the configuration binder, so the names and formats are the same
    /// as on the command line (<c>"FaultRate": 0.1</c>, <c>"LatencyMax": "00:00:00.050"</c>).
    /// </summary>
    internal static void Apply(SimulatorSettings settings, JsonElement changes)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        Flatten(changes, "", values);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();

        var services = configuration.GetSection(nameof(SimulatorSettings.Services));
        if (services.Exists())
        {
            var replacement = new List<SimulatedService>();
            services.Bind(replacement);
            settings.Services = replacement;
        }

        foreach (var child in configuration.GetChildren().Where(c => !c.Key.Equals(nameof(SimulatorSettings.Services), StringComparison.OrdinalIgnoreCase)))
        {
            new ConfigurationBuilder()
                .AddInMemoryCollection(values.Where(v => v.Key.Equals(child.Key, StringComparison.OrdinalIgnoreCase)))
                .Build()
                .Bind(settings);
        }
    }

    private static void Flatten(JsonElement element, string prefix, Dictionary<string, string?> values)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                    Flatten(property.Value, prefix.Length == 0 ? property.Name : $"{prefix}:{property.Name}", values);
                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                    Flatten(item, $"{prefix}:{index++}", values);
                break;
            case JsonValueKind.String:
                values[prefix] = element.GetString();
                break;
            case JsonValueKind.Null or JsonValueKind.Undefined:
                break;
            default:
                values[prefix] = element.GetRawText();
                break;
        }
    }

    private static object Snapshot(SimulatedActivation activation, DateTimeOffset now) => new
    {
        activation.Id,
        activation.Service,
        activation.Country,
        activation.Phone,
        activation.Price,
        State = activation.StateAt(now),
        Code = activation.CodeAt(now),
        activation.CreatedAt,
        activation.ExpiresAt,
    };

    private static object Snapshot(SimulatedOrder order, DateTimeOffset now) => new
    {
        order.Id,
        Service = order.Service.Service,
        order.Link,
        order.Quantity,
        order.Charge,
        State = order.StateAt(now),
        Remains = order.RemainsAt(now),
        order.CreatedAt,
        order.EndsAt,
        order.CanceledAt,
        PostsServed = order.Subscription is null ? (int?)null : order.PostsServedAt(now),
    };
}
