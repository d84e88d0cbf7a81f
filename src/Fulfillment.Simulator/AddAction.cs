using System.Globalization;

namespace Fulfillment.Simulator;

/// <summary><c>add</c>: validates like a real provider, charges the balance, and draws the order's future.</summary>
internal static class AddAction
{
    /// <returns>The answer, and either the id of the order created or the refusal's message.</returns>
    public static (Answer Answer, long? Created, string? Refusal) Run(SimulatorState state, Dictionary<string, string> fields, bool strings, bool hostile, DateTimeOffset now)
    {
        var settings = state.Settings;
        (Answer, long?, string?) Refuse(string message) => (Answer.Error(message, hostile), null, message);
        if (state.FindService(fields.GetValueOrDefault("service")) is not { } service)
            return Refuse("Incorrect service ID");

        var link = fields.GetValueOrDefault("link")?.Trim() ?? "";
        var isSubscription = service.Type.Equals("Subscriptions", StringComparison.OrdinalIgnoreCase);
        if (link.Length == 0 && !isSubscription)
            return Refuse("Incorrect link");

        if (Quantity(service, fields) is not { } quantity)
            return Refuse($"Incorrect {QuantityField(service)}");
        if (quantity < service.Min)
            return Refuse($"Quantity less than minimal {service.Min}");
        if (quantity > service.Max)
            return Refuse($"Quantity more than maximal {service.Max}");

        var (subscription, wrongTerms) = isSubscription ? Subscribe(state, service, fields, quantity, now) : (null, null);
        if (wrongTerms is not null)
            return Refuse(wrongTerms);
        var (runs, wrongRuns) = Runs(service, fields);
        if (wrongRuns is not null)
            return Refuse(wrongRuns);

        var charge = Charge(service, quantity, runs, subscription?.Posts);
        if (!state.Orders.TryCharge(settings, charge))
            return Refuse("Not enough funds on balance");

        var order = Draw(state, service, link.Length > 0 ? link : fields.GetValueOrDefault("username") ?? "", quantity * runs, charge, now, subscription);
        if (!state.Orders.TryAdd(order, now, settings.DuplicateLinkRefusal))
        {
            state.Orders.Refund(settings, charge);
            return Refuse("You have active order with this link. Please wait until order being completed.");
        }

        return (Accepted(state, order, strings), order.Id, null);
    }

    /// <summary>A subscription's terms (min, posts, delay, expiry) checked, then its future drawn; or the refusal of a wrong term.</summary>
    private static (SimulatedSubscription? Subscription, string? Refusal) Subscribe(SimulatorState state, SimulatedService service, Dictionary<string, string> fields,
        int quantity, DateTimeOffset now)
    {
        if (!int.TryParse(fields.GetValueOrDefault("min"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var min) || min < service.Min || min > quantity)
            return (null, "Incorrect min");
        int? posts = null;
        if (fields.TryGetValue("posts", out var postsText))
        {
            if (!int.TryParse(postsText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var p) || p < 1)
                return (null, "Incorrect posts");
            posts = p;
        }

        var delay = 0;
        if (fields.TryGetValue("delay", out var delayText)
            && (!int.TryParse(delayText, NumberStyles.Integer, CultureInfo.InvariantCulture, out delay) || !SimulatedSubscription.Delays.Contains(delay)))
            return (null, "Incorrect delay");
        DateTimeOffset? expiry = null;
        if (fields.TryGetValue("expiry", out var expiryText))
        {
            expiry = SimulatedSubscription.ParseExpiry(expiryText);
            if (expiry is null || expiry <= now)
                return (null, "Incorrect expiry");
        }

        return (DrawSubscription(state, posts, delay, expiry, now), null);
    }

    /// <summary>A drip-feed's runs (1 without one), or the refusal of a drip-feed the service or its fields do not allow.</summary>
    private static (int Runs, string? Refusal) Runs(SimulatedService service, Dictionary<string, string> fields)
    {
        if (!fields.TryGetValue("runs", out var runsText) || runsText.Length == 0)
            return (1, null);
        if (!service.Dripfeed)
            return (0, "Drip-feed is disabled for this service");
        if (!int.TryParse(runsText, out var runs) || runs < 1 || !int.TryParse(fields.GetValueOrDefault("interval"), out var interval) || interval < 1)
            return (0, "Incorrect runs or interval");
        return (runs, null);
    }

    private static decimal Charge(SimulatedService service, int quantity, int runs, int? posts)
    {
        // A package is one unit whatever it holds: its rate is its price (a comments package's comments included).
        var isPackage = service.Type.Equals("Package", StringComparison.OrdinalIgnoreCase)
            || service.Type.Equals("Custom Comments Package", StringComparison.OrdinalIgnoreCase);
        // A subscription is charged for the most it can deliver, max on every post (per post when open-ended).
        return isPackage ? service.Rate : decimal.Round(service.Rate * quantity * runs * (posts ?? 1) / 1000m, 5);
    }

    /// <summary>The order's id, as a number, a string or (sometimes) an id a client cannot use.</summary>
    private static Answer Accepted(SimulatorState state, SimulatedOrder order, bool strings)
    {
        var settings = state.Settings;
        var unusable = state.Random.Chance(settings.UnusableIdRate);
        return Answer.Json(w =>
        {
            w.WriteStartObject();
            if (unusable)
                w.WriteString("order", HostileText.UnusableId(order.Id, settings.UnusableIdKind));
            else
                w.WriteNumberOrString("order", order.Id, strings);
            w.WriteEndObject();
        });
    }

    /// <summary>The amount to deliver: the quantity field, or what the type's own fields imply.</summary>
    private static int? Quantity(SimulatedService service, Dictionary<string, string> fields)
    {
        switch (service.Type.ToUpperInvariant())
        {
            case "PACKAGE":
                return 1;
            case "CUSTOM COMMENTS PACKAGE":
                return Lines(fields.GetValueOrDefault("comments")) is null ? null : 1;
            case "CUSTOM COMMENTS":
            case "COMMENT REPLIES":
                return Lines(fields.GetValueOrDefault("comments"));
            case "MENTIONS CUSTOM LIST":
                return Lines(fields.GetValueOrDefault("usernames"));
            case "SUBSCRIPTIONS":
                return fields.ContainsKey("username") && int.TryParse(fields.GetValueOrDefault("max"), out var max) ? max : null;
            case "POLL":
                if (!fields.ContainsKey("answer_number"))
                    return null;
                goto default;
            default:
                return int.TryParse(fields.GetValueOrDefault("quantity"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var q) ? q : null;
        }
    }

    private static string QuantityField(SimulatedService service) => service.Type.ToUpperInvariant() switch
    {
        "CUSTOM COMMENTS" or "CUSTOM COMMENTS PACKAGE" or "COMMENT REPLIES" => "comments",
        "MENTIONS CUSTOM LIST" => "usernames",
        "SUBSCRIPTIONS" => "username or max",
        "POLL" => "answer number or quantity",
        _ => "quantity",
    };

    private static int? Lines(string? text)
    {
        var count = text?.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Length ?? 0;
        return count > 0 ? count : null;
    }

    /// <summary>A subscription's future: its posts' pace, an expiry brought nearer by the speed factor, perhaps a pause or the provider's own cancel.</summary>
    private static SimulatedSubscription DrawSubscription(SimulatorState state, int? posts, int delay, DateTimeOffset? expiry, DateTimeOffset now)
    {
        var s = state.Settings;
        var speed = s.SpeedFactor > 0 ? s.SpeedFactor : 1;
        var every = s.SubscriptionPostEvery / speed;
        var delayed = TimeSpan.FromMinutes(delay) / speed;
        var paused = state.Random.Chance(s.SubscriptionPauseProbability);
        return new SimulatedSubscription
        {
            Posts = posts,
            PostEvery = every,
            Delay = delayed,
            ExpiresAt = expiry is { } e ? now + ((e - now) / speed) : null,
            // Between the first post served and the second.
            PausedFrom = paused ? now + delayed + (every * 1.5) : null,
            PauseLength = s.SubscriptionPauseLength / speed,
            ProviderCancelsAfter = state.Random.Chance(s.SubscriptionCanceledProbability) ? (posts ?? 10) / 2 : null,
        };
    }

    private static SimulatedOrder Draw(SimulatorState state, SimulatedService service, string link, int quantity, decimal charge, DateTimeOffset now,
        SimulatedSubscription? subscription = null)
    {
        var s = state.Settings;
        var speed = s.SpeedFactor > 0 ? s.SpeedFactor : 1;
        if (s.DurationJitter > 0)
            speed /= 1 + (Math.Min(s.DurationJitter, 1) * ((2 * state.Random.NextDouble()) - 1));
        var startsAt = now + s.PendingDuration / speed;
        var processingAt = startsAt + s.InProgressDuration / speed;
        var endsAt = processingAt + s.ProcessingDuration / speed;

        var draw = state.Random.NextDouble();
        var (final, delivered) =
            draw < s.CanceledProbability ? (SimulatedOrderState.Canceled, 0L)
            : draw < s.CanceledProbability + s.PartialProbability ? (SimulatedOrderState.Partial, (long)(quantity * (0.1 + (0.8 * state.Random.NextDouble()))))
            : state.Random.Chance(s.OverDeliveryProbability) ? (SimulatedOrderState.Completed, quantity + 1 + (long)(quantity * 0.1 * state.Random.NextDouble()))
            : (SimulatedOrderState.Completed, (long)quantity);

        return new SimulatedOrder
        {
            Id = state.Orders.NextOrderId(),
            Service = service,
            Link = link,
            Quantity = quantity,
            Charge = charge,
            StartCount = state.Random.Next(0, 10_000),
            CreatedAt = now,
            StartsAt = startsAt,
            ProcessingAt = processingAt,
            EndsAt = endsAt,
            Final = final,
            DeliveredAtEnd = delivered,
            Subscription = subscription,
        };
    }
}
