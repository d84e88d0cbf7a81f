using Fulfillment.Providers.Smm;

namespace Fulfillment.Providers.Tests;

[Trait("Lane", "Fast")]
public sealed class ProviderStatusMapTests
{
    [Theory]
    [InlineData("Pending", ProviderOrderState.Pending)]
    [InlineData("pending", ProviderOrderState.Pending)]
    [InlineData("In progress", ProviderOrderState.InProgress)]
    [InlineData("In Progress", ProviderOrderState.InProgress)]
    [InlineData("inprogress", ProviderOrderState.InProgress)]
    [InlineData("in_progress", ProviderOrderState.InProgress)]
    [InlineData("IN-PROGRESS", ProviderOrderState.InProgress)]
    [InlineData("Processing", ProviderOrderState.InProgress)]
    [InlineData("Completed", ProviderOrderState.Completed)]
    [InlineData(" completed ", ProviderOrderState.Completed)]
    [InlineData("tasks.status.completed", ProviderOrderState.Completed)]
    [InlineData("Partial", ProviderOrderState.Partial)]
    [InlineData("tasks.status.partial", ProviderOrderState.Partial)]
    [InlineData("Canceled", ProviderOrderState.Canceled)]
    [InlineData("Cancelled", ProviderOrderState.Canceled)]
    [InlineData("CANCELED", ProviderOrderState.Canceled)]
    [InlineData("Refunded", ProviderOrderState.Refunded)]
    [InlineData("Failed", ProviderOrderState.Failed)]
    [InlineData("Error", ProviderOrderState.Failed)]
    [InlineData("Rejected", ProviderOrderState.Failed)]
    [InlineData("Active", ProviderOrderState.Active)]
    [InlineData("tasks.status.active", ProviderOrderState.Active)]
    [InlineData("Paused", ProviderOrderState.Paused)]
    [InlineData("PAUSED", ProviderOrderState.Paused)]
    [InlineData("Expired", ProviderOrderState.Expired)]
    [InlineData("", ProviderOrderState.Unknown)]
    [InlineData(null, ProviderOrderState.Unknown)]
    [InlineData("102", ProviderOrderState.Unknown)]
    [InlineData("Awaiting", ProviderOrderState.Unknown)]
    [InlineData("tasks.status.", ProviderOrderState.Unknown)]
    public void Every_known_spelling_maps_and_anything_else_is_unknown(string? raw, ProviderOrderState expected) =>
        Assert.Equal(expected, ProviderStatusMap.Map(raw));
}
