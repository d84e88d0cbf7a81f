using System.Text.Json;
using System.Text.RegularExpressions;
using Fulfillment.Data.Entities;
using Fulfillment.Engine.Configuration;
using Fulfillment.Engine.Lifecycle;
using Fulfillment.Providers.Smm;

namespace Fulfillment.Engine.Lifecycle.Decisions;

/// <summary>
/// The checks before an order leaves: the user, the service and its mapping, the provider, the
/// quantity, the link and the parameters the type needs. A careless panel may have written
/// anything; each failure is a sentence a person can act on, never an exception.
/// </summary>
public static partial class PreSendChecks
{
    /// <summary>Fields a service type cannot do without (docs/domain.md, "Type-specific add fields").</summary>
    private static readonly Dictionary<string, string[]> RequiredFields = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Custom Comments"] = ["comments"],
        ["Custom Comments Package"] = ["comments"],
        ["Mentions with Hashtags"] = ["usernames", "hashtags"],
        ["Mentions Custom List"] = ["usernames"],
        ["Mentions Hashtag"] = ["hashtag"],
        ["Mentions User Followers"] = ["username"],
        ["Mentions Media Likers"] = ["media"],
        ["Comment Likes"] = ["username"],
        ["Poll"] = ["answer_number"],
        ["Invites from Groups"] = ["groups"],
        ["Comment Replies"] = ["username", "comments"],
        ["Subscriptions"] = ["username", "min", "max"],
    };

    /// <param name="resendAllowed">Whether a provider (by name) may be sent an order again after a lost answer (AllowResendOnUnknown).</param>
    public static DispatchDecision Decide(ClaimedOrder order, DispatchOptions options, DateTimeOffset now, Func<string, bool>? resendAllowed = null)
    {
        if (order.EmulatedRuns is { } started)
        {
            // An emulated drip-feed parent is never sent: one found pending resumes its runs, which make their own checks.
            return new DispatchDecision.Emulate(started);
        }

        if (AccountOrService(order) is { } closed)
        {
            return order.Pin is { } held ? PinnedReview(held, closed) : closed;
        }

        if (order.Pin is { } pin && resendAllowed is not null && !resendAllowed(pin.Provider?.Name ?? ""))
        {
            return PinnedReview(pin, new DispatchDecision.Review("sending it again after a lost answer is no longer configured for its provider."));
        }

        var isActivation = order.ServiceType == ServiceType.Activation;
        var checkedOrder = isActivation ? default : CheckOrder(order, options);
        if (checkedOrder.Decided is { } decided)
        {
            return order.Pin is { } held ? PinnedReview(held, decided) : decided;
        }

        if (checkedOrder.Runs is { } emulatedRuns && order.DripfeedMode == DripFeedMode.Emulated)
        {
            return Emulated(order, emulatedRuns);
        }

        return Route(order, options, now, isActivation, checkedOrder);
    }

    /// <summary>The order's route (Failover), then what goes out on it: an add (native drip-feed or not), a rent, or runs of its own.</summary>
    private static DispatchDecision Route(ClaimedOrder order, DispatchOptions options, DateTimeOffset now, bool isActivation, CheckedOrder checkedOrder)
    {
        switch (Failover.Choose(order, options, now))
        {
            case Failover.Choice.NoRoute none:
                return new DispatchDecision.Fail(none.Error, UserReason.ServiceUnavailable);
            case Failover.Choice.Review review:
                return new DispatchDecision.Review(review.Reason);
            case Failover.Choice.Wait { Quarantined: true } wait when now - order.CreatedAt >= options.GiveUpAfter && order.Pin is null:
                return new DispatchDecision.Fail($"Not sent: every route that could take it stayed in quarantine for {options.GiveUpAfter.TotalHours:0.#} hours ({wait.Why}).", UserReason.ServiceUnavailable);
            case Failover.Choice.Wait wait:
                return new DispatchDecision.Wait(wait.WakeAt(now, options.PausedRecheck), wait.Why) { Route = wait.Route, Move = wait.Move };
            case Failover.Choice.Send send when checkedOrder.Runs is { } runs && order.Pin is null
                                             && DripFeedRuns.Emulates(order.DripfeedMode, send.Route.OffersDripfeed):
                // Native or emulated is decided for the route the order would go out on: a route whose list does not say it offers
                // drip-feed gets plain runs, never an add with runs and interval it may ignore.
                return Emulated(order, runs);
            case Failover.Choice.Send send:
                var endpoint = send.Route.Provider!.Endpoint!;
                var decision = isActivation
                    ? DecideActivation(order, send.Route, endpoint)
                    : new DispatchDecision.Send(endpoint, checkedOrder.Request! with { ServiceId = send.Route.ProviderServiceId! });
                return decision is DispatchDecision.Fail ? decision : decision with { Route = send.Route, Move = send.Move };
            default:
                throw new InvalidOperationException("Unexpected route choice.");
        }
    }

    /// <summary>Why the order is not sent whatever its route: canceled, the account or the service closed; null when none.</summary>
    private static DispatchDecision? AccountOrService(ClaimedOrder order)
    {
        if (order.CancelRequested)
        {
            // The user asked to cancel before the engine got to it: never send it.
            return new DispatchDecision.Cancel("Canceled at the user's request before it was sent; refunded in full.", UserReason.CanceledByUser);
        }

        if (order.UserStatus == UserStatus.Blocked)
        {
            return new DispatchDecision.Cancel("Canceled before sending: the account is blocked.", UserReason.AccountBlocked);
        }

        if (order.UserStatus != UserStatus.Active)
        {
            return new DispatchDecision.Fail($"Not sent: the account is {order.UserStatus}.", UserReason.NotDelivered);
        }

        return order.ServiceEnabled
            ? null
            : new DispatchDecision.Fail($"Not sent: service {order.ServiceId} ({order.ServiceName}) is disabled.", UserReason.ServiceUnavailable);
    }

    /// <summary>An order a provider may hold (a lost answer) is never failed or refunded here: a person decides.</summary>
    private static DispatchDecision.Review PinnedReview(AttemptPin pin, DispatchDecision instead)
    {
        var what = instead switch
        {
            DispatchDecision.Fail f => f.Error,
            DispatchDecision.Cancel c => c.Error,
            DispatchDecision.Review r => r.Reason,
            _ => instead.GetType().Name,
        };
        return new DispatchDecision.Review(
            $"The answer to attempt {pin.AttemptId} (provider {pin.Provider?.Name ?? "deleted"}) was lost, so that provider may have this order; " +
            $"it is neither sent again nor refunded: {what} Check the provider, then call release_order(id, 'retry') or release_order(id, 'refund').");
    }

    private static DispatchDecision Emulated(ClaimedOrder order, int runs) => SmmServiceType.For(order.ServiceType).AllowsDripFeed
        ? new DispatchDecision.Emulate(runs)
        : new DispatchDecision.Fail($"Not sent: a {order.ServiceType} order cannot be drip-fed.");

    /// <summary>The checks about the order itself: a failure, or the add to send (its service id set per route) and its drip-feed runs.</summary>
    private readonly record struct CheckedOrder(DispatchDecision? Decided, AddOrderRequest? Request, int? Runs);

    /// <summary>The checks about the order itself (quantity, link, params): a failure, or the add to send (its service id set per route).</summary>
    private static CheckedOrder CheckOrder(ClaimedOrder order, DispatchOptions options)
    {
        var isPackage = order.ServiceType is ServiceType.Package;
        if (!isPackage && (order.Quantity < order.Min || order.Quantity > order.Max))
        {
            return Failed($"Not sent: quantity {order.Quantity} is outside the service's range {order.Min} to {order.Max}.");
        }

        if (LinkProblem(order.Link, options.HandleTypes.Contains(order.ServiceType, StringComparer.OrdinalIgnoreCase)) is { } linkProblem)
        {
            return Failed("Not sent: " + linkProblem);
        }

        if (Params(order.ParamsJson) is not { } parameters)
        {
            return Failed(IsJson(order.ParamsJson) ? "Not sent: the order's params must be a JSON object." : "Not sent: the order's params are not valid JSON.");
        }

        if (RequiredFields.TryGetValue(order.ServiceType, out var required) && required.Where(f => !HasValue(parameters, f)).ToList() is { Count: > 0 } missing)
        {
            return Failed($"Not sent: a {order.ServiceType} order needs {string.Join(" and ", missing)} in its params.");
        }

        var runs = IntParam(parameters, "runs");
        var interval = IntParam(parameters, "interval");
        if (runs.Present || interval.Present)
        {
            if (!order.Dripfeed)
            {
                return Failed($"Not sent: drip-feed (runs, interval) was asked for, but service {order.ServiceId} does not offer it.");
            }

            if (runs.Value is not > 1 || interval.Value is not > 0)
            {
                return Failed("Not sent: drip-feed needs runs (2 or more) and interval (minutes, 1 or more) as whole numbers.");
            }
        }

        // The service id is the route's, set once the route is chosen; the placeholder never leaves.
        return new CheckedOrder(null, AddOrderRequest.ForType(order.ServiceType, order.ProviderServiceId is { Length: > 0 } own ? own : "-", order.Link,
            isPackage ? null : order.Quantity, parameters, runs.Value, interval.Value), runs.Value);

        static CheckedOrder Failed(string error) => new(new DispatchDecision.Fail(error), null, null);
    }

    private static bool IsJson(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>The params as a JSON object, or null when they are not one (or not JSON at all).</summary>
    private static JsonElement? Params(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(string.IsNullOrWhiteSpace(json) ? "{}" : json);
            return document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement.Clone() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>An activation needs a service code (its params, else the service's provider_service_id) and a country.</summary>
    private static DispatchDecision DecideActivation(ClaimedOrder order, Route route, Fulfillment.Providers.ProviderEndpoint endpoint)
    {
        try
        {
            using var document = JsonDocument.Parse(string.IsNullOrWhiteSpace(order.ParamsJson) ? "{}" : order.ParamsJson);
            var root = document.RootElement;
            var code = Text(root, "service_code") ?? route.ProviderServiceId!;
            var country = Text(root, "country") ?? "0";
            return code.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-') && country.All(char.IsAsciiDigit)
                ? new DispatchDecision.Rent(endpoint, code, country)
                : new DispatchDecision.Fail("Not sent: the activation's service_code must be letters and digits and its country a number.");
        }
        catch (JsonException)
        {
            return new DispatchDecision.Fail("Not sent: the order's params are not valid JSON.");
        }

        static string? Text(JsonElement root, string name) =>
            root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var v)
                ? v.ValueKind switch { JsonValueKind.String => v.GetString(), JsonValueKind.Number => v.GetRawText(), _ => null }
                : null;
    }

    /// <summary>Why a link cannot be sent, or null when it is a web address (or a handle where the type allows one).</summary>
    public static string? LinkProblem(string link, bool handleAllowed)
    {
        if (string.IsNullOrWhiteSpace(link))
        {
            return "the order has no link.";
        }

        if (link.Length > 2048)
        {
            return $"the link is {link.Length} characters long; the limit is 2048.";
        }

        if (handleAllowed && HandlePattern().IsMatch(link))
        {
            return null;
        }

        var candidate = link.Contains("://", StringComparison.Ordinal) ? link : "https://" + link;
        if (!Uri.TryCreate(candidate, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || !uri.Host.Contains('.', StringComparison.Ordinal)
            || link.Any(char.IsWhiteSpace))
        {
            return handleAllowed
                ? $"the link '{Shorten(link)}' is neither a web address (https://...) nor a handle (@name)."
                : $"the link '{Shorten(link)}' is not a web address (https://...).";
        }

        return null;
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..77] + "...";

    private static bool HasValue(JsonElement parameters, string name) =>
        parameters.TryGetProperty(name, out var value) && value.ValueKind switch
        {
            JsonValueKind.String => !string.IsNullOrWhiteSpace(value.GetString()),
            JsonValueKind.Number => true,
            JsonValueKind.Array => value.GetArrayLength() > 0,
            _ => false,
        };

    private static (bool Present, int? Value) IntParam(JsonElement parameters, string name)
    {
        if (!parameters.TryGetProperty(name, out var value) || value.ValueKind is JsonValueKind.Null)
        {
            return (false, null);
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number))
        {
            return (true, number);
        }

        return value.ValueKind == JsonValueKind.String && int.TryParse(value.GetString(), out var parsed) ? (true, parsed) : (true, null);
    }

    [GeneratedRegex("^@?[A-Za-z0-9_.]{1,64}$")]
    private static partial Regex HandlePattern();
}
