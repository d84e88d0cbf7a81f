using System.Globalization;
using static Fulfillment.Simulator.FamilyJson;

namespace Fulfillment.Simulator;

/// <summary>A panel family's <c>status</c> (single and multi), <c>refill</c> and <c>refill_status</c>.</summary>
internal static class FamilyOrderActions
{
    public static Answer Status(SimulatorState state, PanelFamily family, string? id, DateTimeOffset now)
    {
        var order = OrderActions.Find(state, id);
        if (order is null)
        {
            return family == PanelFamily.PanelScript
                ? Print(family, new { error = "Order not found.", status = "104" })
                : Print(family, new { error = "Incorrect order ID" });
        }

        return Print(family, StatusOf(state, family, order, now));
    }

    public static Answer MultiStatus(SimulatorState state, PanelFamily family, string ids, DateTimeOffset now)
    {
        var answer = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var id in OrderActions.Ids(ids))
        {
            var order = OrderActions.Find(state, id);
            answer[id] = order is not null ? StatusOf(state, family, order, now)
                : family == PanelFamily.SmartPanel ? "Incorrect order ID"
                : new Dictionary<string, string> { ["error"] = "Incorrect order ID" };
        }

        return Print(family, answer);
    }

    public static Answer Refill(SimulatorState state, PanelFamily family, string? id, DateTimeOffset now)
    {
        var order = OrderActions.Find(state, id);
        var (refill, error) = OrderActions.TryRefill(state, order, now);
        if (error is not null)
        {
            return Print(family, new
            {
                error = order is null ? "Incorrect order ID" : family == PanelFamily.Laravel ? "This order cannot be refilled" : "Refill not allowed",
            });
        }

        // The Laravel panel answers the order's own id as the refill id.
        return Print(family, new { refill = (family == PanelFamily.Laravel ? order!.Id : refill).ToString(CultureInfo.InvariantCulture) });
    }

    public static Answer RefillStatus(SimulatorState state, PanelFamily family, string? id, DateTimeOffset now)
    {
        var refill = OrderActions.FindRefill(state, id);
        return refill is null ? Print(family, new { error = "Refill not found" }) : Print(family, new { status = refill.StatusAt(now) });
    }

    private static Dictionary<string, object> StatusOf(SimulatorState state, PanelFamily family, SimulatedOrder order, DateTimeOffset now)
    {
        var at = order.StateAt(now);
        var word = (family, at) switch
        {
            (PanelFamily.PanelScript, SimulatedOrderState.InProgress) => "Inprogress",
            (PanelFamily.Laravel, SimulatedOrderState.Processing) => "In progress",
            (_, SimulatedOrderState.InProgress) => "In progress",
            _ => at.ToString(),
        };
        // A new order's remains is the column's default, 0, on every family: not a delivery figure.
        var remains = at == SimulatedOrderState.Pending ? 0 : order.RemainsAt(now);
        var status = new Dictionary<string, object>(StringComparer.Ordinal);
        if (family == PanelFamily.SmartPanel)
            status["order"] = order.Id.ToString(CultureInfo.InvariantCulture);
        status["charge"] = family == PanelFamily.Laravel ? order.Charge.ToString(CultureInfo.InvariantCulture) : Money(order.Charge);
        status["start_count"] = family == PanelFamily.Laravel || at == SimulatedOrderState.Pending ? "0" : order.StartCount.ToString(CultureInfo.InvariantCulture);
        status["status"] = word;
        status["remains"] = remains.ToString(CultureInfo.InvariantCulture);
        status["currency"] = state.Settings.Currency;
        return status;
    }
}
