using Fulfillment.Engine.Database;
using Npgsql;

namespace Fulfillment.Engine.Lifecycle;

/// <summary>The columns of a <see cref="ProviderRow"/> in a query, named with a prefix, and their reader by those names.</summary>
public static class ProviderColumns
{
    /// <summary>The select list for the providers row aliased <paramref name="alias"/>: <c>p.id AS {prefix}id, ...</c>.</summary>
    public static string Select(string alias, string prefix) =>
        $"{alias}.id AS {prefix}id, {alias}.name AS {prefix}name, {alias}.kind AS {prefix}kind, {alias}.api_url AS {prefix}api_url, " +
        $"{alias}.api_key AS {prefix}api_key, {alias}.enabled AS {prefix}enabled, {alias}.balance AS {prefix}balance, " +
        $"{alias}.min_balance AS {prefix}min_balance, {alias}.currency AS {prefix}currency, {alias}.redirected_at AS {prefix}redirected_at, " +
        $"{alias}.last_error AS {prefix}last_error";

    /// <summary>The provider of the current row, or null when its id is NULL (a LEFT JOIN found none).</summary>
    public static ProviderRow? Read(NpgsqlDataReader r, string prefix) => r.IsDBNull(r.GetOrdinal(prefix + "id")) ? null : new ProviderRow(
        r.Value<long>(prefix + "id"), r.Value<string>(prefix + "name"), r.Value<string>(prefix + "kind"), r.Value<string>(prefix + "api_url"),
        r.Value<string>(prefix + "api_key"), r.Value<bool>(prefix + "enabled"), r.Maybe<decimal>(prefix + "balance"), r.Value<decimal>(prefix + "min_balance"),
        r.Text(prefix + "currency"), r.Maybe<DateTimeOffset>(prefix + "redirected_at"), r.Text(prefix + "last_error"));
}
