using System.Globalization;
using static Fulfillment.Simulator.FamilyJson;

namespace Fulfillment.Simulator;

/// <summary>
/// A panel family's <c>add</c>: the family's own checks, then the simulator's order book (<see cref="AddAction"/>), answered in
/// the family's words and shape.
/// </summary>
internal static class FamilyAddAction
{
    public static Answer Run(SimulatorState state, PanelFamily family, Dictionary<string, string> fields, DateTimeOffset now, out long? created, out string? refusal)
    {
        created = null;
        refusal = null;
        var service = state.FindService(fields.GetValueOrDefault("service"));
        var type = service?.Type ?? "Default";
        var isCustomComments = type.Equals("Custom Comments", StringComparison.OrdinalIgnoreCase);
        var isSubscription = type.Equals("Subscriptions", StringComparison.OrdinalIgnoreCase);
        var send = new Dictionary<string, string>(fields, StringComparer.Ordinal);

        // The family's own checks, before the order book sees the request.
        string? own = null;
        if (service is null)
            own = "Incorrect service ID";
        else if (family == PanelFamily.SmartPanel && (send.ContainsKey("runs") || send.ContainsKey("interval"))
                 && (!int.TryParse(send.GetValueOrDefault("interval"), out var interval) || !new[] { 0, 5, 10, 15, 30, 60, 90 }.Contains(interval)))
            return Refuse(Print(family, new { status = "error", message = "Invalid Interval in minutes" }, pretty: false), "Invalid Interval in minutes", out refusal);
        else if ((family == PanelFamily.Laravel || !isSubscription) && !(family == PanelFamily.SmartPanel && isCustomComments) && !int.TryParse(send.GetValueOrDefault("quantity"), out _))
            own = "Quantity is required";

        if (family == PanelFamily.SmartPanel && isCustomComments && send.TryGetValue("comments", out var comments))
            send["comments"] = comments.Replace(" | ", "\n", StringComparison.Ordinal);

        if (own is null)
        {
            var (_, id, message) = AddAction.Run(state, send, strings: true, hostile: false, now);
            created = id;
            own = message;
        }

        if (own is not null)
            return Refuse(Error(family, Words(family, own, service)), own, out refusal);

        return family switch
        {
            PanelFamily.SmartPanel => Print(family, new { status = "success", order = created }),
            PanelFamily.PanelScript => Print(family, new { status = 100, order = created!.Value.ToString(CultureInfo.InvariantCulture) }),
            _ => Print(family, new { order = created }),
        };
    }

    private static Answer Refuse(Answer answer, string message, out string? refusal)
    {
        refusal = message;
        return answer;
    }

    /// <summary>The family's words for a refusal the order book (or the family's own check) gave in the documented words.</summary>
    private static (string Text, int Code) Words(PanelFamily family, string documented, SimulatedService? service)
    {
        var min = service?.Min ?? 0;
        var max = service?.Max ?? 0;
        var kind = documented switch
        {
            "Incorrect service ID" => "service",
            "Quantity is required" or "Incorrect quantity" => "no-quantity",
            "Not enough funds on balance" => "funds",
            "Incorrect link" => "link",
            _ when documented.StartsWith("Quantity less", StringComparison.Ordinal) => "min",
            _ when documented.StartsWith("Quantity more", StringComparison.Ordinal) => "max",
            _ when documented.StartsWith("You have active order", StringComparison.Ordinal) => "same-link",
            _ => "other",
        };
        return (family, kind) switch
        {
            (PanelFamily.SmartPanel, "service") => ("Service ID does not exists", 0),
            (PanelFamily.SmartPanel, "no-quantity") => ("Quantity is required", 0),
            (PanelFamily.SmartPanel, "funds") => ("Not enough funds on balance", 0),
            (PanelFamily.SmartPanel, "link") => ("Bad Link", 0),
            (PanelFamily.SmartPanel, "min") => ($"Quantity must to be greater than or equal to minimum amount {min}", 0),
            (PanelFamily.SmartPanel, "max") => ($"Quantity must to be less than or equal to maximum amount {max}", 0),
            (PanelFamily.SmartPanel, "same-link") => ("You have already an active order for this link on this service id, Wait until it is completed or cancelled, " +
                "You can still order other services types for this link but not this kind of service type or id.", -1),
            (PanelFamily.PanelScript, "service") => ("Service not found or inactive", 105),
            (PanelFamily.PanelScript, "no-quantity" or "link") => ("You must fill in the required fields.", 107),
            (PanelFamily.PanelScript, "min") => ("Enter a value above the minimum number.", 108),
            (PanelFamily.PanelScript, "max") => ("Maximum number exceed.", 109),
            (PanelFamily.PanelScript, "same-link") => ("You cannot start a new order with the same link that is active processing order.", 113),
            (PanelFamily.PanelScript, "funds") => ("Your balance is insufficient.", 113),
            (PanelFamily.PanelScript, _) => ("There was an error while creating your order.", 114),
            (PanelFamily.Laravel, "service") => ("Invalid service", 0),
            (PanelFamily.Laravel, "no-quantity") => ("The quantity field is required.", 0),
            (PanelFamily.Laravel, "link") => ("The link field is required.", 0),
            (PanelFamily.Laravel, "min" or "max") => ($"Quantity must be between {min} and {max}", 0),
            (PanelFamily.Laravel, "funds") => ("Not enough balance", 0),
            (PanelFamily.Laravel, _) => ("Order could not be placed", 0),
            _ => (documented, 0),
        };
    }

    /// <summary>An error in the family's shape; code -1 is SmartPanel's _validation() shape, {"status":"error","message":...}.</summary>
    private static Answer Error(PanelFamily family, (string Text, int Code) words) => (family, words.Code) switch
    {
        (PanelFamily.SmartPanel, -1) => Print(family, new { status = "error", message = words.Text }, pretty: false),
        (PanelFamily.PanelScript, _) => Print(family, new { error = words.Text, status = words.Code }),
        _ => Print(family, new { error = words.Text }),
    };
}
