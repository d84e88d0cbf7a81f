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
    public static long LockId(ConflictScope scope, long serviceId, long? providerId, string? providerServiceId, string linkKey)
    {
        var scoped = scope switch
        {
            ConflictScope.Service => $"s:{serviceId}|{linkKey}",
            ConflictScope.ProviderService => $"ps:{providerId}:{providerServiceId}|{linkKey}",
            ConflictScope.Provider => $"p:{providerId}|{linkKey}",
            _ => "any|" + linkKey,
        };
        return BinaryPrimitives.ReadInt64LittleEndian(SHA256.HashData(Encoding.UTF8.GetBytes(scoped)));
    }

    /// <summary>The condition, on a candidate <c>c</c> and an existing order <c>o</c> with its service <c>os</c>, that puts both in one scope.</summary>
    public static string ScopeCondition(ConflictScope scope) => scope switch
    {
        ConflictScope.Service => "o.service_id = c.service_id",
        ConflictScope.ProviderService => "os.provider_id = c.provider_id AND os.provider_service_id = c.provider_service_id",
        ConflictScope.Provider => "os.provider_id = c.provider_id",
        _ => "true",
    };
}
