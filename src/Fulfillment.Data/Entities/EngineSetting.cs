namespace Fulfillment.Data.Entities;

/// <summary>
/// <c>fulfillment_settings</c>: a setting of the engine's configuration that SQL needs too (the view order_margins converts to
/// <c>panel_currency</c>), written by the engine when it starts and by <c>migrate</c>.
/// </summary>
public sealed class EngineSetting
{
    public const string PanelCurrency = "panel_currency";

    public required string Name { get; set; }
    public required string Value { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}
