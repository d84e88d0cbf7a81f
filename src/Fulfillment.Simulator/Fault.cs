namespace Fulfillment.Simulator;

internal enum Fault
{
    None,
    ServerError,
    TooManyRequests,
    HtmlPage,
    EmptyBody,
    MalformedJson,
}

internal static class FaultPicker
{
    /// <summary>At most one fault per request, one draw against the cumulative rates.</summary>
    public static Fault Pick(SimulatorSettings s, SimRandom random)
    {
        var spread = s.FaultRate / 5;
        var total = s.ServerErrorRate + s.TooManyRequestsRate + s.HtmlPageRate + s.EmptyBodyRate + s.MalformedJsonRate + s.FaultRate;
        if (total <= 0)
            return Fault.None;

        var draw = random.NextDouble();
        (double Rate, Fault Fault)[] rates =
        [
            (s.ServerErrorRate + spread, Fault.ServerError),
            (s.TooManyRequestsRate + spread, Fault.TooManyRequests),
            (s.HtmlPageRate + spread, Fault.HtmlPage),
            (s.EmptyBodyRate + spread, Fault.EmptyBody),
            (s.MalformedJsonRate + spread, Fault.MalformedJson),
        ];
        foreach (var (rate, fault) in rates)
        {
            if (draw < rate)
                return fault;
            draw -= rate;
        }

        return Fault.None;
    }

    /// <summary>Faults a gateway or a firewall produces before the provider's code runs.</summary>
    public static bool HappensBeforeProcessing(Fault fault) => fault is Fault.ServerError or Fault.TooManyRequests or Fault.HtmlPage;
}
