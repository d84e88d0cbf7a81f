using Fulfillment.Data.Entities;
using Fulfillment.Engine.Configuration;
using Fulfillment.Providers.Smm;
using Fulfillment.Providers.SmsActivate;

namespace Fulfillment.Engine.Lifecycle.Decisions;

/// <summary>
/// Routing and failover across providers: which route an order goes out on, and when a refusal moves it to the
/// next. An order only ever moves forward (route 0, then the service_routes by position), never after an add
/// whose outcome is unknown (that is review, or a resend pinned to its route), and never while an add for it is
/// in flight: a move is the outcome of a refusal recorded under this instance's claim, or made at claim, before
/// anything is sent.
/// </summary>
/// <remarks>
/// <para>How a route is judged at claim (<see cref="Judge"/>):</para>
/// <code>
/// | the route                                                            | verdict                                      |
/// |----------------------------------------------------------------------|----------------------------------------------|
/// | its service_routes row is disabled, or was deleted                   | unusable                                     |
/// | no provider, or no provider_service_id                               | unusable                                     |
/// | provider disabled                                                    | unusable                                     |
/// | provider of the wrong kind (Activation needs sms_activate, and back) | unusable                                     |
/// | provider without a usable api_url                                    | unusable                                     |
/// | upstream service not in the provider's stored list (vanished)        | unusable                                     |
/// | upstream rate above the sale rate, SellBelowUpstreamRate off         | unusable (the price guard)                   |
/// | listed rate in a currency that cannot be converted, guard on         | unusable (the price guard cannot compare)    |
/// | provider answered with a redirect (providers.redirected_at)          | paused: waited for if no route is usable     |
/// | provider paused for balance (below min_balance)                      | paused: waited for if no route is usable     |
/// | route in quarantine (route_quarantines)                              | quarantined: waited for if none is usable    |
/// | otherwise                                                            | usable                                       |
/// </code>
/// <para>Which route an order goes out on (<see cref="Choose"/>): of its current route and those after it, the first
/// usable; else the first paused (waits); else none, and the order fails with a refund. A pinned order (an attempt whose
/// answer was lost, sent again as configured) goes to the provider and upstream service of that attempt only, whatever route
/// now has its position; when that provider cannot take it, it goes to review, never failed. A provider that is down is not judged here: each order finds out by its own refusals and moves
/// after FailoverAfter (skipping a provider on providers.unreachable_since would starve the calls that clear it).</para>
/// <para>Which refusals of an add (or getNumber) move the order on (<see cref="RouteLevel(AddOutcome, ClaimedOrder, DispatchOptions, DateTimeOffset)"/>):</para>
/// <code>
/// | outcome                                                              | moves to the next route                      |
/// |----------------------------------------------------------------------|----------------------------------------------|
/// | accepted (usable id or not)                                          | never: the provider has it                   |
/// | answer lost or unreadable (Unknown, a redirect included)             | never: review, or resent on the same route   |
/// | refused: UnknownService, QuantityOutOfRange (permanent, the service) | at once                                      |
/// | refused: InsufficientFunds (the panel's balance there)               | at once                                      |
/// | refused: BadLink (permanent, the order itself)                       | never: failed with a refund as today         |
/// | refused: DuplicateLink (the provider's same-link rule)               | never: held as today                         |
/// | refused for now: RateLimited, Misconfigured, AuthenticationFailed,   | once the route has refused it for            |
/// |   Unreachable, Other                                                 |   FailoverAfter (orders.route_refusing_since) |
/// | getNumber: BAD_SERVICE, NO_BALANCE                                   | at once                                      |
/// | getNumber: NO_NUMBERS, BAD_KEY, BANNED, 429, not sent                | after FailoverAfter                          |
/// | the order is pinned (an attempt of it may be held by its provider)   | never                                        |
/// </code>
/// <para>With no route after the current one that is not unusable, nothing moves: the refusal is handled as it is
/// without routes (failed for good, deferred for now), so a service without service_routes behaves as before.</para>
/// </remarks>
public static class Failover
{
    public enum Verdict
    {
        Usable,
        Paused,

        /// <summary>In quarantine: waited for like a paused one when no route is usable, and given up on after GiveUpAfter.</summary>
        Quarantined,
        Unusable,
    }

    /// <summary>A route's verdict, and why when it is not usable (a phrase for the order's error and events).</summary>
    public static (Verdict Verdict, string? Why) Judge(Route route, ClaimedOrder order, DispatchOptions options, DateTimeOffset now)
    {
        if (!route.Enabled)
        {
            return (Verdict.Unusable, "the route is disabled (service_routes.enabled).");
        }

        if (route.Provider is not { } provider)
        {
            return (Verdict.Unusable, $"service {order.ServiceId} ({order.ServiceName}) is not mapped to a provider; set services.provider_id.");
        }

        if (string.IsNullOrWhiteSpace(route.ProviderServiceId))
        {
            return (Verdict.Unusable, route.Position == 0
                ? $"service {order.ServiceId} ({order.ServiceName}) has no provider_service_id."
                : "the route has no provider_service_id.");
        }

        if (!provider.Enabled)
        {
            return (Verdict.Unusable, $"provider {provider.Name} is disabled.");
        }

        var isActivation = order.ServiceType == ServiceType.Activation;
        if (isActivation != (provider.Kind == ProviderKind.SmsActivate))
        {
            return (Verdict.Unusable, isActivation
                ? $"service {order.ServiceId} is an Activation but provider {provider.Name} is of kind {provider.Kind}, not sms_activate."
                : $"provider {provider.Name} is an SMS activation provider; only Activation services can use it.");
        }

        if (provider.Endpoint is null)
        {
            return (Verdict.Unusable, $"provider {provider.Name} has no valid api_url (an absolute http:// or https:// address).");
        }

        if (route.Listed == false)
        {
            return (Verdict.Unusable, $"provider {provider.Name} no longer lists service {route.ProviderServiceId}.");
        }

        if (!options.SellBelowUpstreamRate && route.ListedRate is not null && route.UnknownCurrency is { } currency)
        {
            return (Verdict.Unusable, $"provider {provider.Name} quotes its rates in {currency}, which has no currency_rates row: the price guard cannot " +
                $"compare its rate for service {route.ProviderServiceId} with the sale rate.");
        }

        if (!options.SellBelowUpstreamRate && route.UpstreamRate is { } upstream && order.SaleRate is { } sale && upstream > sale)
        {
            return (Verdict.Unusable, $"provider {provider.Name}'s rate {upstream} for service {route.ProviderServiceId} is above the sale rate {sale} (the price guard).");
        }

        return PausedOrQuarantined(route, provider, now);
    }

    /// <summary>The last two verdicts of <see cref="Judge"/>: a route that could take the order may still have to wait.</summary>
    private static (Verdict Verdict, string? Why) PausedOrQuarantined(Route route, ProviderRow provider, DateTimeOffset now)
    {
        if (Paused(provider) is { } why)
        {
            return (Verdict.Paused, why);
        }

        return route.QuarantinedUntil is { } until && until > now
            ? (Verdict.Quarantined, $"provider {provider.Name}'s service {route.ProviderServiceId} is in quarantine until {until:u}.")
            : (Verdict.Usable, null);
    }

    /// <summary>Why sending to the provider is paused (its orders wait, or go out on another usable route), or null.</summary>
    private static string? Paused(ProviderRow provider) =>
        // An add sent into a redirect would be one more order in review; a call to the provider that succeeds lifts it.
        provider.IsRedirecting
            ? $"provider {provider.Name} answered with a redirect at {provider.RedirectedAt:u}; sending to it is paused until a call to it succeeds " +
              $"(fix its api_url). Last error: {provider.LastError ?? "none"}"
            : provider.IsPaused ? $"provider {provider.Name}'s balance {provider.Balance} is below its minimum {provider.MinBalance}." : null;

    /// <summary>Where a claimed order goes out: a route to send on (maybe after a move), one to wait on, or none left.</summary>
    public abstract record Choice
    {
        private Choice() { }

        public sealed record Send(Route Route, Reroute? Move) : Choice;

        /// <param name="Quarantined">Every route that could take it is in quarantine: the order is given up on after GiveUpAfter.</param>
        public sealed record Wait(Route Route, Reroute? Move, string Why, bool Quarantined = false) : Choice
        {
            /// <summary>When the order is looked at again: after <paramref name="recheck"/>, or as its route's quarantine ends if sooner.</summary>
            public DateTimeOffset WakeAt(DateTimeOffset now, TimeSpan recheck) =>
                Route.QuarantinedUntil is { } until && until > now && until < now + recheck ? until : now + recheck;
        }

        public sealed record NoRoute(string Error) : Choice;

        /// <summary>A pinned order whose provider cannot take it: a person decides (the provider may hold it already).</summary>
        public sealed record Review(string Reason) : Choice;
    }

    /// <summary>A move from one route to another, and why.</summary>
    public sealed record Reroute(Route From, Route To, string Reason);

    public static Choice Choose(ClaimedOrder order, DispatchOptions options, DateTimeOffset now)
    {
        if (order.Pin is { } pin)
        {
            return ChoosePinned(order, pin, options, now);
        }

        var current = order.CurrentRoute ?? new Route(order.RoutePosition, null, null, Enabled: false);
        IEnumerable<Route> candidates = [current, .. order.RoutesAfter(order.RoutePosition)];
        var judged = candidates.Select(r => (Route: r, Verdict: Judge(r, order, options, now))).ToList();
        var pick = Pick(judged);
        if (pick is null)
        {
            return new Choice.NoRoute(judged.Count == 1
                ? "Not sent: " + judged[0].Verdict.Why
                : "Not sent: no route can take it. " + string.Join(" ", judged.Select(j => $"{j.Route}: {j.Verdict.Why}")));
        }

        var (route, verdict) = pick.Value;
        var move = route.Position == current.Position ? null : new Reroute(current, route,
            $"{current}: {judged[0].Verdict.Why}");
        return verdict.Verdict == Verdict.Usable
            ? new Choice.Send(route, move)
            : new Choice.Wait(route, move, "Waiting: " + verdict.Why, verdict.Verdict == Verdict.Quarantined);
    }

    /// <summary>
    /// A pinned order goes to its lost attempt's provider and upstream service, on its own position (no move): judged like a route,
    /// but one that cannot take it sends the order to review, because that provider may run it already.
    /// </summary>
    private static Choice ChoosePinned(ClaimedOrder order, AttemptPin pin, DispatchOptions options, DateTimeOffset now)
    {
        var listed = order.AllRoutes.FirstOrDefault(r => r.Provider?.Id == pin.ProviderId && r.ProviderServiceId == pin.ProviderServiceId);
        var route = (listed ?? new Route(order.RoutePosition, pin.Provider, pin.ProviderServiceId)) with
        {
            Position = order.RoutePosition,
            Provider = pin.Provider,
            ProviderServiceId = pin.ProviderServiceId,
            Enabled = true,
        };
        var (verdict, why) = Judge(route, order, options, now);
        return verdict switch
        {
            Verdict.Usable => new Choice.Send(route, null),
            Verdict.Paused or Verdict.Quarantined => new Choice.Wait(route, null, "Waiting: " + why),
            _ => new Choice.Review(
                $"The answer to attempt {pin.AttemptId} (provider {pin.Provider?.Name ?? pin.ProviderId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "deleted"}, " +
                $"service {pin.ProviderServiceId}) was lost, so that provider may have this order, and it cannot take it again: {why} Check the provider, " +
                "then call release_order(id, 'retry') if it does not have the order, or release_order(id, 'refund')."),
        };
    }

    /// <summary>The first usable route, else the first paused (or quarantined) one; null when all are unusable.</summary>
    private static (Route Route, (Verdict Verdict, string? Why) Verdict)? Pick(List<(Route Route, (Verdict Verdict, string? Why) Verdict)> judged)
    {
        foreach (var j in judged)
        {
            if (j.Verdict.Verdict == Verdict.Usable)
            {
                return j;
            }
        }

        foreach (var j in judged)
        {
            if (j.Verdict.Verdict is Verdict.Paused or Verdict.Quarantined)
            {
                return j;
            }
        }

        return null;
    }

    /// <summary>Why an add's refusal moves the order to its next route, or null when it does not (see the table).</summary>
    public static string? RouteLevel(AddOutcome outcome, ClaimedOrder order, DispatchOptions options, DateTimeOffset now) => outcome switch
    {
        _ when order.Pinned => null,
        AddOutcome.Refused { Reason: RefusalReason.UnknownService or RefusalReason.QuantityOutOfRange or RefusalReason.InsufficientFunds } r =>
            $"refused {r.Reason} ({r.Message})",
        AddOutcome.Refused { Kind: RefusalKind.Temporary, Reason: not RefusalReason.DuplicateLink } r when RefusedTooLong(order, options, now) =>
            $"refused for now since {order.RouteRefusingSince ?? now:u} (last: {r.Message})",
        _ => null,
    };

    /// <summary>The same for a getNumber (see the table).</summary>
    public static string? RouteLevel(NumberOutcome outcome, ClaimedOrder order, DispatchOptions options, DateTimeOffset now) => outcome switch
    {
        _ when order.Pinned => null,
        NumberOutcome.Refused { Reason: SmsRefusal.BadService or SmsRefusal.NoBalance } r => $"refused {r.Reason} ({r.Message})",
        NumberOutcome.Refused r when RefusedTooLong(order, options, now) => $"refused for now since {order.RouteRefusingSince ?? now:u} (last: {r.Message})",
        _ => null,
    };

    private static bool RefusedTooLong(ClaimedOrder order, DispatchOptions options, DateTimeOffset now) =>
        now - (order.RouteRefusingSince ?? now) >= options.FailoverAfter;

    /// <summary>
    /// The move to the next route after a route-level refusal of the add on <paramref name="order"/>'s current route:
    /// back to pending on the route <see cref="Choose"/> would take among those after it, due at once. Null when no
    /// route after it can take the order: the refusal is then handled as it is without routes.
    /// </summary>
    public static OrderChange.Rerouted? Next(ClaimedOrder order, string why, DispatchOptions options, DateTimeOffset now)
    {
        if (order.Pinned || order.CurrentRoute is not { } current)
        {
            return null;
        }

        var judged = order.RoutesAfter(current.Position).Select(r => (Route: r, Verdict: Judge(r, order, options, now))).ToList();
        return Pick(judged) is { } next
            ? new OrderChange.Rerouted(order.Id, OrderStatus.Dispatching, current, next.Route, $"{current}: {why}")
            : null;
    }
}
