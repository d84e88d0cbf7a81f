using System.Text.Json;

namespace Fulfillment.Providers.Smm.Answers;

internal static class ServicesAnswer
{
    private static readonly string[] FlagNames = ["refill", "cancel", "dripfeed"];

    /// <summary>
    /// An array of services (some providers key them by id in an object). Entries without a usable id
    /// (<see cref="ProviderText.IdProblem"/>: an add could not name them) are skipped; texts are cleaned and cut.
    /// </summary>
    public static IReadOnlyList<ProviderServiceInfo> Read(JsonElement root, ProviderEndpoint provider)
    {
        SafeAnswer.ThrowIfError(root, provider, SmmActions.Services);
        var items = root.ValueKind switch
        {
            JsonValueKind.Array => root.EnumerateArray().ToList(),
            JsonValueKind.Object => root.EnumerateObject().Select(p => p.Value).ToList(),
            _ => throw SafeAnswer.Unexpected(root, provider, SmmActions.Services),
        };

        // The PHP panel script's refill column is its own 1 (no) / 2 (yes): a column that holds anything but a yes or a no in one
        // entry is not a yes/no flag in any entry of that list, so its "1" is not read as yes.
        var flags = FlagNames.Where(name => !items.Any(item => SmmJson.NotAFlag(item, name))).ToHashSet(StringComparer.Ordinal);
        bool? Flag(JsonElement item, string name) => flags.Contains(name) ? SmmJson.Flag(item, name) : null;
        var services = new List<ProviderServiceInfo>(items.Count);
        foreach (var item in items)
        {
            if (SmmJson.Id(item, "service") is not { } id || ProviderText.IdProblem(id) is not null)
                continue;
            services.Add(new ProviderServiceInfo(
                id,
                SmmJson.CleanText(item, "name", ProviderText.NameLength) ?? "",
                SmmJson.CleanText(item, "type", ProviderText.WordLength),
                SmmJson.CleanText(item, "category", ProviderText.NameLength),
                SmmJson.Decimal(item, "rate"),
                SmmJson.Long(item, "min"),
                SmmJson.Long(item, "max"),
                Flag(item, "refill"),
                Flag(item, "cancel"),
                Flag(item, "dripfeed")));
        }

        return services;
    }
}
