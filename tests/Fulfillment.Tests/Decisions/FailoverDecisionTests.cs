using Fulfillment.Data.Entities;
using Fulfillment.Engine.Configuration;
using Fulfillment.Engine.Lifecycle;
using Fulfillment.Engine.Lifecycle.Decisions;
using Fulfillment.Engine.ProviderWatch;
using Fulfillment.Providers.Smm;
using Fulfillment.Providers.SmsActivate;

namespace Fulfillment.Tests.Decisions;

/// <summary>Failover's case tables (Lifecycle/Decisions/Failover.cs), pure: which route an order goes out on, and which refusals move it.</summary>
[Trait("Lane", "Fast")]
public sealed class FailoverDecisionTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);
    private static readonly ProviderRow A = new(7, "a", ProviderKind.SmmV2, "https://a.example/api/v2", "k", true, 100m, 0m);
    private static readonly ProviderRow B = new(8, "b", ProviderKind.SmmV2, "https://b.example/api/v2", "k", true, 100m, 0m);
    private static readonly DispatchOptions Options = new() { FailoverAfter = TimeSpan.FromMinutes(10) };

    private static ClaimedOrder Order(Route? first = null, Route? second = null, int position = 0, TimeSpan? refusing = null, bool pinned = false,
        decimal saleRate = 2m)
    {
        List<Route> routes = [first ?? new Route(0, A, "1"), .. second is null ? Array.Empty<Route>() : [second]];
        return new(1, 2, UserStatus.Active, "https://instagram.com/p/x", 100, "{}", Now - TimeSpan.FromMinutes(1), 0, 3, "svc", "Default", true, "1", 10, 1000,
            false, A, Routes: routes, RoutePosition: position, RouteRefusingSince: refusing is { } r ? Now - r : null,
            Pin: pinned ? new AttemptPin(41, routes[0].Provider!.Id, "1", position, routes[0].Provider) : null, SaleRate: saleRate);
    }

    private static Route Next => new(1, B, "9");

    public static TheoryData<string, ClaimedOrder, string> ChoiceCases => new()
    {
        { "a usable route 0 is used", Order(second: Next), "Send 0" },
        { "a disabled provider: on to route 1", Order(new Route(0, A with { Enabled = false }, "1"), Next), "Send 1 from 0" },
        { "a paused provider: on to a usable route 1", Order(new Route(0, A with { Balance = 1m, MinBalance = 5m }, "1"), Next), "Send 1 from 0" },
        { "a paused provider and nothing after it: waits", Order(new Route(0, A with { Balance = 1m, MinBalance = 5m }, "1")), "Wait 0" },
        { "a provider answering with a redirect: on to a usable route 1", Order(new Route(0, A with { RedirectedAt = Now }, "1"), Next), "Send 1 from 0" },
        { "a provider answering with a redirect and nothing after it: waits", Order(new Route(0, A with { RedirectedAt = Now }, "1")), "Wait 0" },
        { "a pinned order at a provider answering with a redirect: waits", Order(new Route(0, A with { RedirectedAt = Now }, "1"), Next, pinned: true), "Wait 0" },
        { "a vanished upstream service: on to route 1", Order(new Route(0, A, "1", Listed: false), Next), "Send 1 from 0" },
        { "an upstream service in the list: used", Order(new Route(0, A, "1", Listed: true), Next), "Send 0" },
        { "no list stored: used", Order(new Route(0, A, "1", Listed: null), Next), "Send 0" },
        { "the price guard: a loss-making route is skipped", Order(new Route(0, A, "1", UpstreamRate: 2.5m), Next), "Send 1 from 0" },
        { "the price guard: at the sale rate, used", Order(new Route(0, A, "1", UpstreamRate: 2m), Next), "Send 0" },
        { "a disabled route is skipped", Order(second: Next with { Enabled = false }, first: new Route(0, A with { Enabled = false }, "1")), "Fail" },
        { "an SMS provider on an SMM service is skipped", Order(new Route(0, A with { Kind = ProviderKind.SmsActivate }, "1"), Next), "Send 1 from 0" },
        { "every route unusable: failed", Order(new Route(0, A with { Enabled = false }, "1"), Next with { Provider = B with { Enabled = false } }), "Fail" },
        { "a single unusable route: failed as without routes", Order(new Route(0, A with { Enabled = false }, "1")), "Fail" },
        { "on route 1, route 0 is never tried again", Order(new Route(0, A, "1"), Next with { Provider = B with { Enabled = false } }, position: 1), "Fail" },
        { "a pinned order never moves: its provider disabled, to review", Order(new Route(0, A with { Enabled = false }, "1"), Next, pinned: true), "Review" },
        { "a pinned order goes to its provider while it can take it", Order(new Route(0, A, "1"), Next, pinned: true), "Send 0" },
        { "the price guard: a currency with no conversion is skipped", Order(new Route(0, A, "1", ListedRate: 1m, UnknownCurrency: "RUB"), Next), "Send 1 from 0" },
        { "a deleted route (position gone): on to the next", Order(new Route(0, A, "1"), Next with { Position = 2 }, position: 1), "Send 2 from 1" },
    };

    [Theory]
    [MemberData(nameof(ChoiceCases))]
    public void Which_route_a_claimed_order_goes_out_on(string because, ClaimedOrder order, string expected)
    {
        var actual = Failover.Choose(order, Options, Now) switch
        {
            Failover.Choice.Send s => $"Send {s.Route.Position}" + (s.Move is { } m ? $" from {m.From.Position}" : ""),
            Failover.Choice.Wait w => $"Wait {w.Route.Position}" + (w.Move is { } m ? $" from {m.From.Position}" : ""),
            Failover.Choice.Review => "Review",
            _ => "Fail",
        };
        Assert.True(expected == actual, $"{because}: expected {expected}, got {actual}");
    }

    [Fact]
    public void Selling_below_the_upstream_rate_when_allowed_keeps_the_route()
    {
        var choice = Failover.Choose(Order(new Route(0, A, "1", UpstreamRate: 2.5m), Next), new DispatchOptions { SellBelowUpstreamRate = true }, Now);

        Assert.Equal(0, Assert.IsType<Failover.Choice.Send>(choice).Route.Position);
    }

    public static TheoryData<string, AddOutcome, TimeSpan?, bool, string> AddCases => new()
    {
        { "accepted", new AddOutcome.Accepted("42"), null, false, "Accepted" },
        { "accepted with an unusable id", new AddOutcome.AcceptedUnusable("comma"), null, false, "ToReview" },
        { "an answer lost", new AddOutcome.Unknown("timeout"), TimeSpan.FromHours(1), false, "ToReview" },
        { "unknown service: at once", new AddOutcome.Refused(RefusalKind.Permanent, RefusalReason.UnknownService, "Incorrect service ID"), null, false, "Rerouted 1" },
        { "quantity out of the route's range: at once", new AddOutcome.Refused(RefusalKind.Permanent, RefusalReason.QuantityOutOfRange, "min 500"), null, false, "Rerouted 1" },
        { "no funds there: at once", new AddOutcome.Refused(RefusalKind.Temporary, RefusalReason.InsufficientFunds, "Not enough funds"), null, false, "Rerouted 1" },
        { "a bad link: the order itself fails", new AddOutcome.Refused(RefusalKind.Permanent, RefusalReason.BadLink, "Incorrect link"), null, false, "Finished:failed" },
        { "the provider's same-link rule: held", new AddOutcome.Refused(RefusalKind.Temporary, RefusalReason.DuplicateLink, "active order"), TimeSpan.FromHours(1), false, "HeldAtProvider" },
        { "unreachable, first time: deferred", new AddOutcome.Refused(RefusalKind.Temporary, RefusalReason.Unreachable, "refused"), null, false, "Deferred" },
        { "unreachable for less than FailoverAfter: deferred", new AddOutcome.Refused(RefusalKind.Temporary, RefusalReason.Unreachable, "refused"), TimeSpan.FromMinutes(9), false, "Deferred" },
        { "unreachable for FailoverAfter: moved", new AddOutcome.Refused(RefusalKind.Temporary, RefusalReason.Unreachable, "refused"), TimeSpan.FromMinutes(10), false, "Rerouted 1" },
        { "throttled for FailoverAfter: moved", new AddOutcome.Refused(RefusalKind.Temporary, RefusalReason.RateLimited, "429"), TimeSpan.FromMinutes(30), false, "Rerouted 1" },
        { "pinned: never moved, never failed", new AddOutcome.Refused(RefusalKind.Permanent, RefusalReason.UnknownService, "Incorrect service ID"), TimeSpan.FromHours(1), true, "ToReview" },
    };

    [Theory]
    [MemberData(nameof(AddCases))]
    public void Which_add_outcomes_move_an_order_to_the_next_route(string because, AddOutcome outcome, TimeSpan? refusing, bool pinned, string expected)
    {
        var order = Order(second: Next, refusing: refusing, pinned: pinned);
        var change = AddOutcomes.ForAdd(order, "a", outcome, new AddSettings(Options, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(5), false), Now);

        var actual = change switch
        {
            OrderChange.Rerouted r => $"Rerouted {r.ToRoute.Position}",
            OrderChange.Finished f => "Finished:" + f.Finish.Status,
            _ => change.GetType().Name,
        };
        Assert.True(expected == actual, $"{because}: expected {expected}, got {actual}");
    }

    [Fact]
    public void Without_a_further_route_a_route_level_refusal_is_handled_as_before()
    {
        var settings = new AddSettings(Options, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(5), false);

        Assert.IsType<OrderChange.Deferred>(AddOutcomes.ForAdd(Order(), "a",
            new AddOutcome.Refused(RefusalKind.Temporary, RefusalReason.InsufficientFunds, "Not enough funds"), settings, Now));
        Assert.IsType<OrderChange.Finished>(AddOutcomes.ForAdd(Order(), "a",
            new AddOutcome.Refused(RefusalKind.Permanent, RefusalReason.UnknownService, "Incorrect service ID"), settings, Now));
    }

    [Fact]
    public void A_lost_answer_resent_as_configured_is_deferred_and_never_moved_to_another_route()
    {
        var change = AddOutcomes.ForAdd(Order(second: Next), "a", new AddOutcome.Unknown("timeout"),
            new AddSettings(Options, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(5), AllowResendOnUnknown: true), Now);

        Assert.IsType<OrderChange.Deferred>(change);
    }

    [Theory]
    [InlineData(SmsRefusal.BadService, null, "Rerouted")]
    [InlineData(SmsRefusal.NoBalance, null, "Rerouted")]
    [InlineData(SmsRefusal.NoNumbers, null, "Deferred")]
    [InlineData(SmsRefusal.NoNumbers, 11, "Rerouted")]
    public void Which_getNumber_refusals_move_an_activation(SmsRefusal reason, int? refusingMinutes, string expected)
    {
        var sms = new ProviderRow(9, "s", ProviderKind.SmsActivate, "https://s.example/stubs/handler_api.php", "k", true, 100m, 0m);
        var order = Order(new Route(0, sms, "tg"), new Route(1, sms with { Id = 10 }, "tg"),
            refusing: refusingMinutes is { } m ? TimeSpan.FromMinutes(m) : null) with
        { ServiceType = ServiceType.Activation };
        var kind = reason == SmsRefusal.BadService ? RefusalKind.Permanent : RefusalKind.Temporary;

        var change = AddOutcomes.ForRent(order, "s", new NumberOutcome.Refused(kind, reason, reason.ToString()),
            new AddSettings(Options, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(5), false), Now);

        Assert.Equal(expected, change.GetType().Name);
    }

    [Theory]
    [InlineData("0.27819", "USD", "0.27819", "USD")]
    [InlineData("0.1234567", "usd", "0.123457", "USD")]
    [InlineData("-1", "USD", null, null)]
    [InlineData("100000000000000000000", "USD", null, null)]
    [InlineData(null, "USD", null, null)]
    public void A_providers_charge_is_recorded_only_when_it_can_be_a_price(string? charge, string? currency, string? expectedCharge, string? expectedCurrency)
    {
        var answer = new StatusResult(ProviderOrderState.InProgress, "In progress", 1, 1,
            charge is null ? null : decimal.Parse(charge, System.Globalization.CultureInfo.InvariantCulture), currency);

        var (actualCharge, actualCurrency) = StatusAnswers.Cost(answer);

        Assert.Equal(expectedCharge is null ? null : decimal.Parse(expectedCharge, System.Globalization.CultureInfo.InvariantCulture), actualCharge);
        Assert.Equal(expectedCurrency, actualCurrency);
    }
}
