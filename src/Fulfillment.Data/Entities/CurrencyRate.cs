namespace Fulfillment.Data.Entities;

/// <summary>
/// What one unit of a provider's currency is worth in the panel's own currency, written by the operator or
/// the panel. Used by the view <c>order_margins</c> and the price guard; a currency without a row counts as
/// the panel's own (rate 1).
/// </summary>
public sealed class CurrencyRate
{
    /// <summary>As providers write it (<c>USD</c>, <c>RUB</c>), compared without regard to case.</summary>
    public required string Currency { get; set; }
    public decimal Rate { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}
