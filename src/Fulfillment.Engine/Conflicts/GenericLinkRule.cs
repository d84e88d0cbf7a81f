using System.Collections.Frozen;
using System.Text;

namespace Fulfillment.Engine.Conflicts;

/// <summary>
/// The rule for hosts we know nothing about, and for paths of known platforms no platform rule claims.
/// Conservative: two links match only when they almost certainly denote the same resource, so the path keeps
/// its case and every query parameter but the well-known tracking ones is kept.
/// </summary>
internal static class GenericLinkRule
{
    private static readonly FrozenSet<string> Tracking = FrozenSet.Create(
        StringComparer.OrdinalIgnoreCase,
        "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "twclid", "ttclid", "li_fat_id",
        "yclid", "ysclid", "_openstat", "mc_cid", "mc_eid", "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok",
        "igshid", "igsh", "si", "feature", "ref", "ref_src", "ref_url", "spm", "share", "share_source",
        "share_medium", "share_id", "share_app_id", "share_link_id", "mibextid", "rdid", "__cft__", "__tn__");

    public static bool IsTracking(string name) =>
        name.StartsWith("utm_", StringComparison.OrdinalIgnoreCase) || Tracking.Contains(name);

    /// <summary><c>generic:{host}[:port]{path}[?sorted query]</c>.</summary>
    public static string Key(ParsedLink link, string host, bool withPort = true)
    {
        var key = new StringBuilder("generic:").Append(host);
        if (withPort && link.Port.Length > 0)
        {
            key.Append(':').Append(link.Port);
        }

        key.Append(link.Path);
        var separator = '?';
        // OrderBy is stable: repeated names keep their order, which may carry meaning (a=1&a=2).
        foreach (var parameter in link.Query.Where(p => !IsTracking(p.Name)).OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            key.Append(separator).Append(parameter.Name);
            if (!string.IsNullOrEmpty(parameter.Value))
            {
                key.Append('=').Append(parameter.Value);
            }

            separator = '&';
        }

        return key.ToString();
    }
}
