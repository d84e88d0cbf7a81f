using System.Text.Json;

namespace Fulfillment.Simulator;

/// <summary><c>status</c>, <c>refill</c>, <c>refill_status</c> and <c>cancel</c>, single and multi.</summary>
internal static class OrderActions
{
    private const string IncorrectOrder = "Incorrect order ID";

    public static Answer Status(SimulatorState state, Dictionary<string, string> fields, bool strings, bool hostile, DateTimeOffset now)
    {
        if (fields.TryGetValue("orders", out var many))
        {
            return Answer.Json(w =>
            {
                w.WriteStartObject();
                foreach (var id in Ids(many))
                {
                    w.WritePropertyName(id);
                    WriteStatus(w, state, Find(state, id), strings, hostile, now);
                }

                w.WriteEndObject();
            });
        }

        var order = Find(state, fields.GetValueOrDefault("order"));
        return Answer.Json(w => WriteStatus(w, state, order, strings, hostile, now));
    }

    public static Answer Refill(SimulatorState state, Dictionary<string, string> fields, bool strings, bool hostile, DateTimeOffset now)
    {
        if (!fields.TryGetValue("orders", out var many))
        {
            var result = TryRefill(state, Find(state, fields.GetValueOrDefault("order")), now);
            return result.Error is { } error ? Answer.Error(error, hostile) : Answer.Json(w =>
            {
                w.WriteStartObject();
                w.WriteNumberOrString("refill", result.Id, strings);
                w.WriteEndObject();
            });
        }

        return Answer.Json(w =>
        {
            w.WriteStartArray();
            foreach (var id in Ids(many))
            {
                var result = TryRefill(state, Find(state, id), now);
                w.WriteStartObject();
                WriteId(w, "order", id);
                if (result.Error is { } error)
                    WriteError(w, "refill", error, hostile);
                else
                    w.WriteNumberOrString("refill", result.Id, strings);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        });
    }

    public static Answer RefillStatus(SimulatorState state, Dictionary<string, string> fields, bool hostile, DateTimeOffset now)
    {
        if (!fields.TryGetValue("refills", out var many))
        {
            var refill = FindRefill(state, fields.GetValueOrDefault("refill"));
            return refill is null ? Answer.Error("Refill not found", hostile) : Answer.Json(w =>
            {
                w.WriteStartObject();
                w.WriteString("status", Word(refill.StatusAt(now), hostile));
                w.WriteEndObject();
            });
        }

        return Answer.Json(w =>
        {
            w.WriteStartArray();
            foreach (var id in Ids(many))
            {
                var refill = FindRefill(state, id);
                w.WriteStartObject();
                WriteId(w, "refill", id);
                if (refill is null)
                    WriteError(w, "status", "Refill not found", hostile);
                else
                    w.WriteString("status", Word(refill.StatusAt(now), hostile));
                w.WriteEndObject();
            }

            w.WriteEndArray();
        });
    }

    public static Answer Cancel(SimulatorState state, Dictionary<string, string> fields, bool hostile, DateTimeOffset now)
    {
        var style = state.Settings.CancelAnswer;
        if (!fields.TryGetValue("orders", out var many))
        {
            var error = TryCancel(Find(state, fields.GetValueOrDefault("order")), now);
            return error is not null ? Answer.Error(error, hostile) : Answer.Json(w =>
            {
                w.WriteStartObject();
                WriteCancelValue(w, style);
                w.WriteEndObject();
            });
        }

        return Answer.Json(w =>
        {
            w.WriteStartArray();
            foreach (var id in Ids(many))
            {
                var error = TryCancel(Find(state, id), now);
                w.WriteStartObject();
                WriteId(w, "order", id);
                if (error is not null)
                    WriteError(w, "cancel", error, hostile);
                else
                    WriteCancelValue(w, style);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        });
    }

    private static void WriteStatus(Utf8JsonWriter w, SimulatorState state, SimulatedOrder? order, bool strings, bool hostile, DateTimeOffset now)
    {
        w.WriteStartObject();
        if (order is null)
        {
            w.WriteText("error", IncorrectOrder, hostile);
            w.WriteEndObject();
            return;
        }

        var current = order.StateAt(now);
        var spelling = state.Random.Chance(state.Settings.AltStatusSpellingRate)
            ? StatusSpelling.Other(current, state.Random)
            : StatusSpelling.Usual(current);
        if (order.IsActiveAt(now) && state.Random.Chance(state.Settings.UnknownStatusRate))
            spelling = StatusSpelling.Unknown(state.Random);
        if (order.Subscription is not null)
        {
            // A subscription answers with the posts served and its child orders, one per post.
            var served = order.PostsServedAt(now);
            w.WriteNumberOrString("charge", order.Charge, strings);
            w.WriteString("status", Word(spelling, hostile));
            w.WriteNumberOrString("posts", served, strings);
            w.WriteStartArray("orders");
            foreach (var child in SimulatedSubscription.ChildOrders(order.Id, served))
            {
                if (strings)
                    w.WriteStringValue(child.ToString(System.Globalization.CultureInfo.InvariantCulture));
                else
                    w.WriteNumberValue(child);
            }

            w.WriteEndArray();
            w.WriteString("currency", Word(state.Settings.Currency, hostile));
            w.WriteEndObject();
            return;
        }

        w.WriteNumberOrString("charge", order.Charge, strings);
        w.WriteNumberOrString("start_count", order.StartCount, strings);
        w.WriteString("status", Word(spelling, hostile));
        w.WriteNumberOrString("remains", order.RemainsAt(now), strings);
        w.WriteString("currency", Word(state.Settings.Currency, hostile));
        w.WriteEndObject();
    }

    internal static (long Id, string? Error) TryRefill(SimulatorState state, SimulatedOrder? order, DateTimeOffset now)
    {
        if (order is null)
            return (0, IncorrectOrder);
        if (!order.Service.Refill)
            return (0, "Refill is disabled for this service");
        if (order.StateAt(now) is not (SimulatedOrderState.Completed or SimulatedOrderState.Partial))
            return (0, "Order is not completed yet");

        var s = state.Settings;
        var speed = s.SpeedFactor > 0 ? s.SpeedFactor : 1;
        var refill = new SimulatedRefill
        {
            Id = state.Orders.NextRefillId(),
            OrderId = order.Id,
            StartsAt = now + (s.RefillDuration / speed / 3),
            EndsAt = now + (s.RefillDuration / speed),
            Rejected = state.Random.Chance(s.RefillRejectProbability),
        };
        state.Orders.AddRefill(refill);
        return (refill.Id, null);
    }

    private static string? TryCancel(SimulatedOrder? order, DateTimeOffset now)
    {
        if (order is null)
            return IncorrectOrder;
        if (!order.Service.Cancel)
            return "Cancel is disabled for this service";
        if (!order.IsActiveAt(now) || !order.TryCancel(now))
            return "Order can not be canceled";
        return null;
    }

    private static void WriteCancelValue(Utf8JsonWriter w, CancelAnswerStyle style)
    {
        switch (style)
        {
            case CancelAnswerStyle.True:
                w.WriteBoolean("cancel", true);
                break;
            case CancelAnswerStyle.Success:
                w.WriteStartObject("cancel");
                w.WriteString("status", "success");
                w.WriteEndObject();
                break;
            default:
                w.WriteNumber("cancel", 1);
                break;
        }
    }

    private static void WriteError(Utf8JsonWriter w, string property, string error, bool hostile)
    {
        w.WriteStartObject(property);
        w.WriteText("error", error, hostile);
        w.WriteEndObject();
    }

    private static string Word(string text, bool hostile) => hostile ? HostileText.Word(text) : text;

    /// <summary>Ids echo back as numbers when they are numbers, as providers do.</summary>
    private static void WriteId(Utf8JsonWriter w, string property, string id)
    {
        if (long.TryParse(id, out var number))
            w.WriteNumber(property, number);
        else
            w.WriteString(property, id);
    }

    internal static SimulatedOrder? Find(SimulatorState state, string? id) =>
        long.TryParse(id?.Trim(), out var number) ? state.Orders.Find(number) : null;

    internal static SimulatedRefill? FindRefill(SimulatorState state, string? id) =>
        long.TryParse(id?.Trim(), out var number) ? state.Orders.FindRefill(number) : null;

    internal static IEnumerable<string> Ids(string list) =>
        list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().Take(100);
}
