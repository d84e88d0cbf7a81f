namespace Fulfillment.Simulator;

/// <summary><c>services</c> and <c>balance</c>.</summary>
internal static class AccountActions
{
    public static Answer Services(SimulatorSettings settings, bool strings, bool hostile) => Answer.Json(w =>
    {
        w.WriteStartArray();
        foreach (var s in settings.Services)
        {
            w.WriteStartObject();
            w.WriteNumberOrString("service", s.Service, strings);
            w.WriteText("name", s.Name, hostile);
            w.WriteString("type", hostile ? HostileText.Word(s.Type) : s.Type);
            w.WriteText("category", s.Category, hostile);
            w.WriteString("rate", s.Rate.ToString(System.Globalization.CultureInfo.InvariantCulture));
            w.WriteNumberOrString("min", s.Min, strings);
            w.WriteNumberOrString("max", s.Max, strings);
            w.WriteBoolean("refill", s.Refill);
            w.WriteBoolean("cancel", s.Cancel);
            w.WriteBoolean("dripfeed", s.Dripfeed);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    });

    public static Answer Balance(SimulatorSettings settings, bool strings, bool hostile) => Answer.Json(w =>
    {
        w.WriteStartObject();
        w.WriteNumberOrString("balance", decimal.Round(settings.Balance, 5), strings);
        w.WriteString("currency", hostile ? HostileText.Word(settings.Currency) : settings.Currency);
        w.WriteEndObject();
    });
}
