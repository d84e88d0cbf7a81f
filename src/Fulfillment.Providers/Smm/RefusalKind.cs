namespace Fulfillment.Providers.Smm;

public enum RefusalKind
{
    /// <summary>Sending the same order again cannot succeed (bad link, unknown service, quantity out of range).</summary>
    Permanent,

    /// <summary>The same order may succeed later or elsewhere (funds, throttling, configuration, the provider's own same-link rule).</summary>
    Temporary,
}
