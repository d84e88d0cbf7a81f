using System.Text;

namespace Fulfillment.Providers;

/// <summary>What the engine knows about one provider row. <see cref="ApiKey"/> is never printed.</summary>
/// <param name="Id">The provider's row id; with <see cref="ApiUrl"/> it keys the per-provider pipeline.</param>
/// <param name="Name">Also the key of per-provider overrides: <c>Fulfillment:Providers:Overrides:&lt;Name&gt;</c>.</param>
public sealed record ProviderEndpoint(long Id, string Name, Uri ApiUrl, string ApiKey)
{
    // The compiler-generated ToString prints every property; a record logged by accident
    // (an exception message, a structured log property) must not leak the key.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Id = ").Append(Id)
            .Append(", Name = ").Append(Name)
            .Append(", ApiUrl = ").Append(ApiUrl)
            .Append(", ApiKey = ***");
        return true;
    }
}
