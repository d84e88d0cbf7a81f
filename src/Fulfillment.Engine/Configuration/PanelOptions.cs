namespace Fulfillment.Engine.Configuration;

/// <summary><c>Fulfillment:PanelCurrency</c>: the panel's own currency, in which its services are priced.</summary>
public sealed class PanelOptions
{
    public const string Key = "Fulfillment:PanelCurrency";

    /// <summary>
    /// An ISO 4217 code. A provider's money in this currency converts at 1; any other converts through currency_rates, and a
    /// currency with no row there is unknown (no conversion: the price guard skips that route, order_margins shows no margin).
    /// </summary>
    public string PanelCurrency { get; set; } = "USD";
}
