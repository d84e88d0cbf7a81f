using System.Text.Json;

namespace Fulfillment.Providers.Smm.Answers;

internal static class ServicesAnswer
{
    /// <summary>An array of services (some providers key them by id in an object). Entries without an id are skipped.</summary>
    public static IReadOnlyList<ProviderServiceInfo> Read(JsonElement root, ProviderEndpoint provider)
    {
        SafeAnswer.ThrowIfError(root, provider, SmmActions.Services);
        var items = root.ValueKind switch
        {
            JsonValueKind.Array => root.EnumerateArray().ToList(),
            JsonValueKind.Object => root.EnumerateObject().Select(p => p.Value).ToList(),
            _ => throw SafeAnswer.Unexpected(root, provider, SmmActions.Services),
        };

        var services = new List<ProviderServiceInfo>(items.Count);
        foreach (var item in items)
        {
            if (SmmJson.Id(item, "service") is not { } id)
                continue;
            services.Add(new ProviderServiceInfo(
                id,
                SmmJson.Text(item, "name") ?? "",
                SmmJson.Text(item, "type"),
                SmmJson.Text(item, "category"),
                SmmJson.Decimal(item, "rate"),
                SmmJson.Long(item, "min"),
                SmmJson.Long(item, "max"),
                SmmJson.Flag(item, "refill"),
                SmmJson.Flag(item, "cancel"),
                SmmJson.Flag(item, "dripfeed")));
        }

        return services;
    }
}
