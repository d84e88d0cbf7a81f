using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Fulfillment.Engine.Configuration;

namespace Fulfillment.Engine.Conflicts;

/// <summary>The stored link key of an order, and the advisory-lock id of its conflict scope.</summary>
public static class ConflictKeys
{
    /// <summary>Keys longer than this are stored as a hash: a btree entry must stay small.</summary>
    public const int MaxStoredLength = 512;

    public static string? LinkKey(string link)
    {
        var key = LinkNormalizer.Normalize(link);
        if (key is null || key.Length <= MaxStoredLength)
        {
            return key;
        }

        return "sha256:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
    }

    /// <summary>
    /// A 64-bit lock id for (scope, key): every engine instance that checks an order of this target
    /// takes it first, so two instances cannot both find "no active order" and both send.
    /// </summary>
    public static long LockId(ConflictScope scope, long serviceId, long? providerId, string? providerServiceId, string linkKey) =>
        LockId(Target(scope, serviceId, providerId, providerServiceId, linkKey));

    /// <summary>The lock id of a <see cref="Target"/>.</summary>
    public static long LockId(string target) => BinaryPrimitives.ReadInt64LittleEndian(SHA256.HashData(Encoding.UTF8.GetBytes(target)));

    /// <summary>The target (scope and key) an order is checked on: two orders conflict when theirs are equal.</summary>
    public static string Target(ConflictScope scope, long serviceId, long? providerId, string? providerServiceId, string linkKey) => scope switch
    {
        ConflictScope.Service => $"s:{serviceId}|{linkKey}",
        ConflictScope.ProviderService => $"ps:{providerId}:{providerServiceId}|{linkKey}",
        ConflictScope.Provider => $"p:{providerId}|{linkKey}",
        _ => "any|" + linkKey,
    };

    /// <summary>
    /// The route an existing order <c>o</c> (with its service <c>os</c>) is on, for the scopes that name a provider: its
    /// further route <c>orr</c> when it is past route 0. Conflicts follow the route an order is actually sent to.
    /// </summary>
    public static string ScopeJoin(ConflictScope scope) => scope is ConflictScope.ProviderService or ConflictScope.Provider
        ? "LEFT JOIN service_routes orr ON o.route_position > 0 AND orr.service_id = o.service_id AND orr.position = o.route_position"
        : "";

    /// <summary>
    /// The condition, on a candidate <c>c</c> (its provider and upstream service are those of the route it is about to be
    /// sent on) and an existing order <c>o</c> on its current route (<see cref="ScopeJoin"/>), that puts both in one scope.
    /// A started order's provider is the one it was sent to (orders.provider_id, set at claim).
    /// </summary>
    public static string ScopeCondition(ConflictScope scope) => scope switch
    {
        ConflictScope.Service => "o.service_id = c.service_id",
        ConflictScope.ProviderService => $"{RouteProvider} = c.provider_id AND {RouteServiceId} = c.provider_service_id",
        ConflictScope.Provider => $"{RouteProvider} = c.provider_id",
        _ => "true",
    };

    private const string RouteProvider =
        "(CASE WHEN o.status IN ('dispatching', 'in_progress') AND o.provider_id IS NOT NULL THEN o.provider_id " +
        "WHEN o.route_position = 0 THEN os.provider_id ELSE orr.provider_id END)";

    private const string RouteServiceId = "(CASE WHEN o.route_position = 0 THEN os.provider_service_id ELSE orr.provider_service_id END)";
}
