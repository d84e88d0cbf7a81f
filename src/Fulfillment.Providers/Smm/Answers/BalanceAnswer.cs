using System.Text.Json;

namespace Fulfillment.Providers.Smm.Answers;

internal static class BalanceAnswer
{
    public static BalanceResult Read(JsonElement root, ProviderEndpoint provider)
    {
        SafeAnswer.ThrowIfError(root, provider, SmmActions.Balance);
        return SmmJson.Decimal(root, "balance") is { } balance
            ? new BalanceResult(balance, SmmJson.CleanText(root, "currency", ProviderText.CurrencyLength))
            : throw SafeAnswer.Unexpected(root, provider, SmmActions.Balance);
    }
}
