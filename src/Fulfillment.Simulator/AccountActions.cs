namespace Fulfillment.Simulator;

/// <summary><c>services</c> and <c>balance</c>.</summary>
internal static class AccountActions
{
    public static Answer Services(SimulatorSettings settings, bool strings) => Answer.Json(w =>
    {
        w.WriteStartArray();
        foreach (var s in settings.Services)
        {
            w.WriteStartObject();
            w.WriteNumberOrString("service", s.Service, strings);
            w.WriteString("name", s.Name);
            w.WriteString("type", s.Type);
            w.WriteString("category", s.Category);
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

    public static Answer Balance(SimulatorSettings settings, bool strings) => Answer.Json(w =>
    {
        w.WriteStartObject();
        w.WriteNumberOrString("balance", decimal.Round(settings.Balance, 5), strings);
        w.WriteString("currency", settings.Currency);
        w.WriteEndObject();
    });
}
