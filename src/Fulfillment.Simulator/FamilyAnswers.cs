using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Fulfillment.Simulator;

/// <summary>
/// The answers of the panel families other than <see cref="PanelFamily.Documented"/>, over the same order book: the
/// orders are the simulator's, the words, shapes, path, content type and HTTP status are the family's.
/// </summary>
internal static class FamilyAnswers
{
    private const string PhpType = "text/html; charset=UTF-8";
    private const string JsonType = "application/json";

    private static readonly JsonSerializerOptions Pretty = new() { WriteIndented = true, IndentSize = 4 };

    /// <summary>CodeIgniter's error page for a refused CSRF check (SmartPanel checks every POST but those to api/v1).</summary>
    private const string CsrfPage =
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Error</title>\n<style type=\"text/css\">\n" +
        "::selection { background-color: #E13300; color: white; }\nbody { background-color: #fff; margin: 40px; font: 13px/20px normal Helvetica, Arial, sans-serif; }\n" +
        "</style>\n</head>\n<body>\n\t<div id=\"container\">\n\t\t<h1>An Error Was Encountered</h1>\n\t\t<p>The action you have requested is not allowed.</p>\t</div>\n</body>\n</html>";

    /// <summary>The path a family serves the protocol at.</summary>
    public static string ApiPath(PanelFamily family) => family == PanelFamily.SmartPanel ? "/api/v1" : "/api/v2";

    /// <summary>What a family answers on another path, before reading anything; null when it serves this one.</summary>
    public static Answer? WrongPath(PanelFamily family, PathString path, Uri site) =>
        path.Equals(ApiPath(family), StringComparison.OrdinalIgnoreCase) ? null
        : family switch
        {
            PanelFamily.SmartPanel => Answer.Text(403, CsrfPage, PhpType),
            PanelFamily.PanelScript => new Answer(302, ReadOnlyMemory<byte>.Empty, PhpType, Location: site.ToString()),
            _ => Answer.Text(404, "<!DOCTYPE html><html><head><title>Not Found</title></head><body><div>404 | Not Found</div></body></html>", PhpType),
        };

    /// <summary>The session cookie a PHP family sets on every answer (SmartPanel's sess_cookie_name is csrfToken).</summary>
    public static string? SessionCookie(PanelFamily family, SimRandom random) => family switch
    {
        PanelFamily.SmartPanel => $"csrfToken={Token(random)}; path=/; HttpOnly",
        PanelFamily.PanelScript => $"PHPSESSID={Token(random)}; path=/",
        _ => null,
    };

    public static Answer Unauthorized(PanelFamily family) => family switch
    {
        PanelFamily.SmartPanel => Print(family, new { error = "API is Disable for this user or User Not Found! Contact the Support" }),
        PanelFamily.PanelScript => Print(family, new { error = "API key invalid", status = "102" }),
        _ => Print(family, new { error = "Invalid API key" }),
    };

    public static Answer Handle(SimulatorState state, PanelFamily family, string action, Dictionary<string, string> fields, DateTimeOffset now,
        out long? created, out string? refusal)
    {
        created = null;
        refusal = null;
        switch (action)
        {
            case "add":
                return Add(state, family, fields, now, out created, out refusal);
            case "status" when fields.TryGetValue("orders", out var many) && family != PanelFamily.PanelScript:
                return MultiStatus(state, family, many, now);
            case "status":
                return Status(state, family, fields.GetValueOrDefault("order"), now);
            case "balance":
                return Balance(state, family);
            case "services":
                return Services(state, family);
            case "refill" when family is PanelFamily.PanelScript or PanelFamily.Laravel:
                return Refill(state, family, fields.GetValueOrDefault("order"), now);
            case "refill_status" when family == PanelFamily.PanelScript:
                var refill = OrderActions.FindRefill(state, fields.GetValueOrDefault("refill"));
                return refill is null ? Print(family, new { error = "Refill not found" }) : Print(family, new { status = refill.StatusAt(now) });
            case "cancel" when family == PanelFamily.PanelScript:
                // No such branch: $output stays null and print_r(json_encode(null)) prints "null".
                return Answer.Text(200, "null", PhpType);
            default:
                return family switch
                {
                    PanelFamily.SmartPanel => Print(family, new { error = "This action is Invalid" }),
                    PanelFamily.PanelScript => Answer.Text(200, "null", PhpType),
                    _ => Print(family, new { error = "Invalid action" }),
                };
        }
    }

    private static Answer Add(SimulatorState state, PanelFamily family, Dictionary<string, string> fields, DateTimeOffset now, out long? created, out string? refusal)
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

    private static Answer Status(SimulatorState state, PanelFamily family, string? id, DateTimeOffset now)
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

    private static Answer MultiStatus(SimulatorState state, PanelFamily family, string ids, DateTimeOffset now)
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

    private static Answer Refill(SimulatorState state, PanelFamily family, string? id, DateTimeOffset now)
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

    private static Answer Balance(SimulatorState state, PanelFamily family)
    {
        var balance = state.Settings.Balance;
        return family switch
        {
            PanelFamily.SmartPanel => Print(family, new { status = "success", balance = Money(balance), currency = state.Settings.Currency }),
            PanelFamily.PanelScript => Print(family, new { balance = Money(balance), currency = state.Settings.Currency }),
            _ => Print(family, new { balance = decimal.Round(balance, 2).ToString(CultureInfo.InvariantCulture), currency = state.Settings.Currency }),
        };
    }

    private static Answer Services(SimulatorState state, PanelFamily family)
    {
        var list = new List<Dictionary<string, object>>();
        foreach (var s in state.Settings.Services)
        {
            var service = s.Service.ToString(CultureInfo.InvariantCulture);
            list.Add(family switch
            {
                PanelFamily.SmartPanel => new(StringComparer.Ordinal)
                {
                    ["service"] = service,
                    ["name"] = s.Name,
                    ["category"] = s.Category,
                    ["rate"] = Money(s.Rate),
                    ["min"] = s.Min.ToString(CultureInfo.InvariantCulture),
                    ["max"] = s.Max.ToString(CultureInfo.InvariantCulture),
                    ["type"] = s.Type.ToLowerInvariant().Replace(' ', '_'),
                    ["desc"] = "",
                    ["dripfeed"] = s.Dripfeed ? "1" : "0",
                },
                PanelFamily.PanelScript => new(StringComparer.Ordinal)
                {
                    ["rate"] = Money(s.Rate),
                    ["service"] = service,
                    ["category"] = s.Category,
                    ["name"] = s.Name,
                    ["type"] = s.Type,
                    ["min"] = s.Min.ToString(CultureInfo.InvariantCulture),
                    ["max"] = s.Max.ToString(CultureInfo.InvariantCulture),
                    ["desc"] = "",
                    ["refill"] = s.Refill ? "2" : "1",
                },
                _ => new(StringComparer.Ordinal)
                {
                    ["service"] = service,
                    ["name"] = s.Name,
                    ["type"] = "Default",
                    ["category"] = s.Category,
                    ["rate"] = s.Rate.ToString(CultureInfo.InvariantCulture),
                    ["min"] = s.Min.ToString(CultureInfo.InvariantCulture),
                    ["max"] = s.Max.ToString(CultureInfo.InvariantCulture),
                    ["refill"] = false,
                    ["cancel"] = false,
                },
            });
        }

        if (list.Count == 0 && family == PanelFamily.SmartPanel)
            return Print(family, new { status = "success", data = "Empty Data" });
        return Print(family, list);
    }

    /// <summary>Money as MariaDB's decimal columns hand it to PHP: a string with four decimals.</summary>
    private static string Money(decimal value) => decimal.Round(value, 4).ToString("0.0000", CultureInfo.InvariantCulture);

    /// <summary>The family's JSON: pretty-printed by SmartPanel's echo_json_string, compact elsewhere; PHP families send it as text/html.</summary>
    private static Answer Print(PanelFamily family, object value, bool pretty = true)
    {
        var json = JsonSerializer.Serialize(value, family == PanelFamily.SmartPanel && pretty ? Pretty : JsonSerializerOptions.Default);
        return Answer.Text(200, json, family == PanelFamily.Laravel ? JsonType : PhpType);
    }

    private static string Token(SimRandom random)
    {
        var builder = new StringBuilder(26);
        for (var i = 0; i < 26; i++)
            builder.Append("abcdefghijklmnopqrstuvwxyz0123456789"[random.Next(0, 36)]);
        return builder.ToString();
    }
}
