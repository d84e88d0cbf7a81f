using System.Globalization;
using static Fulfillment.Simulator.FamilyJson;

namespace Fulfillment.Simulator;

/// <summary>A panel family's <c>balance</c> and <c>services</c>.</summary>
internal static class FamilyAccountActions
{
    public static Answer Balance(SimulatorState state, PanelFamily family)
    {
        var balance = state.Settings.Balance;
        return family switch
        {
            PanelFamily.SmartPanel => Print(family, new { status = "success", balance = Money(balance), currency = state.Settings.Currency }),
            PanelFamily.PanelScript => Print(family, new { balance = Money(balance), currency = state.Settings.Currency }),
            _ => Print(family, new { balance = decimal.Round(balance, 2).ToString(CultureInfo.InvariantCulture), currency = state.Settings.Currency }),
        };
    }

    public static Answer Services(SimulatorState state, PanelFamily family)
    {
        var list = state.Settings.Services.Select(s => Service(family, s)).ToList();
        if (list.Count == 0 && family == PanelFamily.SmartPanel)
            return Print(family, new { status = "success", data = "Empty Data" });
        return Print(family, list);
    }

    /// <summary>One service as the family lists it: its own fields, in its own order.</summary>
    private static Dictionary<string, object> Service(PanelFamily family, SimulatedService s)
    {
        var service = s.Service.ToString(CultureInfo.InvariantCulture);
        return family switch
        {
            PanelFamily.SmartPanel => new(StringComparer.Ordinal)
            {
                ["service"] = service,
                ["name"] = s.Name,
                ["category"] = s.Category,
                ["rate"] = Money(s.Rate),
                ["min"] = s.Min.ToString(CultureInfo.InvariantCulture),
                ["max"] = s.Max.ToString(CultureInfo.InvariantCulture),
                ["type"] = s.Type.ToLowerInvariant().Replace(' ', '_'),
                ["desc"] = "",
                ["dripfeed"] = s.Dripfeed ? "1" : "0",
            },
            PanelFamily.PanelScript => new(StringComparer.Ordinal)
            {
                ["rate"] = Money(s.Rate),
                ["service"] = service,
                ["category"] = s.Category,
                ["name"] = s.Name,
                ["type"] = s.Type,
                ["min"] = s.Min.ToString(CultureInfo.InvariantCulture),
                ["max"] = s.Max.ToString(CultureInfo.InvariantCulture),
                ["desc"] = "",
                ["refill"] = s.Refill ? "2" : "1",
            },
            _ => new(StringComparer.Ordinal)
            {
                ["service"] = service,
                ["name"] = s.Name,
                ["type"] = "Default",
                ["category"] = s.Category,
                ["rate"] = s.Rate.ToString(CultureInfo.InvariantCulture),
                ["min"] = s.Min.ToString(CultureInfo.InvariantCulture),
                ["max"] = s.Max.ToString(CultureInfo.InvariantCulture),
                ["refill"] = false,
                ["cancel"] = false,
            },
        };
    }
}
