namespace Fulfillment.Simulator;

public enum SimulatedActivationState
{
    /// <summary>Rented, no code received yet.</summary>
    WaitCode,

    /// <summary>At least one code was received (another may have been asked for).</summary>
    CodeSent,

    /// <summary>Finished with setStatus 6, or by the provider when its lifetime ran out after a code.</summary>
    Completed,

    /// <summary>Canceled with setStatus 8, or by the provider when its lifetime ran out without a code; refunded.</summary>
    Canceled,
}
