using Fulfillment.Engine.Providers;

namespace Fulfillment.Engine.Lifecycle;

/// <summary>An in-progress order due for a status check.</summary>
public sealed record TrackedOrder(long Id, ProviderRow? Provider, string? ProviderOrderId, int Quantity, DateTimeOffset DispatchedAt, string? ResultJson = null);
