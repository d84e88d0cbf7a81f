namespace Fulfillment.Providers.SmsActivate;

/// <summary>One activation's status as the provider reported it.</summary>
/// <param name="Code">The SMS code for <see cref="ActivationState.Ok"/>, the previous one for
/// <see cref="ActivationState.WaitRetry"/>; null otherwise. A user's secret: show it, store it briefly, never log it.</param>
/// <param name="Raw">The answer verbatim (trimmed); it contains the code too.</param>
public sealed record ActivationStatus(ActivationState State, string? Code, string Raw)
{
    // The compiler-generated ToString would print the code into any log line that mentions the record.
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("State = ").Append(State).Append(", Code = ").Append(Code is null ? "null" : "***");
        return true;
    }
}
