namespace Fulfillment.Providers.Smm;

public sealed record BalanceResult(decimal Balance, string? Currency);
