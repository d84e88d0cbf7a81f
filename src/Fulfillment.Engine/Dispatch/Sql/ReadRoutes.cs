using Fulfillment.Engine.Database;
using Fulfillment.Engine.Lifecycle;
using Npgsql;

namespace Fulfillment.Engine.Dispatch.Sql;

/// <summary>
/// Every route of the claimed orders' services, route 0 (the service's own) first, with what Failover judges them by: the
/// provider row, whether the provider's stored list holds the upstream service (NULL: no list stored), its listed rate, its
/// drip-feed flag, and the rate in the panel's currency (<c>Fulfillment:PanelCurrency</c> converts at 1, any other through
/// currency_rates; a provider that never named a currency quotes in the panel's). A currency with no conversion is named, and a
/// route in quarantine (route_quarantines) says until when.
/// </summary>
public static class ReadRoutes
{
    /// <summary>$1 the services, $2 the panel's currency, $3 now.</summary>
    public static readonly string Sql = $"""
        WITH r AS (
            SELECT s.id AS service_id, 0 AS position, s.provider_id, s.provider_service_id, true AS enabled FROM services s WHERE s.id = ANY($1)
            UNION ALL
            SELECT sr.service_id, sr.position, sr.provider_id, sr.provider_service_id, sr.enabled FROM service_routes sr WHERE sr.service_id = ANY($1))
        SELECT r.service_id, r.position, r.provider_service_id, r.enabled,
               {ProviderColumns.Select("p", "p_")},
               CASE WHEN ps.service IS NOT NULL THEN true
                    WHEN EXISTS (SELECT 1 FROM provider_services x WHERE x.provider_id = r.provider_id) THEN false END AS listed,
               ps.rate AS listed_rate, ps.dripfeed AS offers_dripfeed,
               CASE WHEN p.currency IS NULL OR upper(p.currency) = upper($2) THEN ps.rate ELSE ps.rate * cr.rate END AS upstream_rate,
               CASE WHEN p.currency IS NOT NULL AND upper(p.currency) <> upper($2) AND cr.rate IS NULL THEN p.currency END AS unknown_currency,
               q.quarantined_until
        FROM r
        LEFT JOIN providers p ON p.id = r.provider_id
        LEFT JOIN provider_services ps ON ps.provider_id = r.provider_id AND ps.service = r.provider_service_id
        LEFT JOIN currency_rates cr ON upper(cr.currency) = upper(p.currency)
        LEFT JOIN route_quarantines q ON q.provider_id = r.provider_id AND q.service = r.provider_service_id AND q.quarantined_until > $3
        ORDER BY r.service_id, r.position
        """;

    /// <summary>The routes of each service, route 0 first.</summary>
    public static async Task<Dictionary<long, List<Route>>> ReadAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long[] services,
        string panelCurrency, DateTimeOffset now, CancellationToken ct)
    {
        var routes = new Dictionary<long, List<Route>>();
        await using var command = new NpgsqlCommand(Sql, connection, transaction);
        command.Parameters.Add(new() { Value = services });
        command.Parameters.Add(new() { Value = panelCurrency });
        command.Parameters.Add(new() { Value = now });
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var route = new Route(reader.Value<int>("position"), ProviderColumns.Read(reader, "p_"), reader.Text("provider_service_id"),
                reader.Value<bool>("enabled"), reader.Maybe<bool>("listed"), reader.Maybe<decimal>("upstream_rate"), reader.Maybe<decimal>("listed_rate"),
                reader.Text("unknown_currency"), reader.Maybe<bool>("offers_dripfeed"), reader.Maybe<DateTimeOffset>("quarantined_until"));
            var service = reader.Value<long>("service_id");
            if (!routes.TryGetValue(service, out var list))
            {
                routes[service] = list = [];
            }

            list.Add(route);
        }

        return routes;
    }
}
