namespace Fulfillment.Engine.Retention;

/// <summary>
/// One run's reference time and settings. <see cref="Now"/> is read once from the clock, so every
/// window of a run counts back from the same instant however long the run takes.
/// </summary>
public sealed record RetentionContext(DateTimeOffset Now, RetentionOptions Options)
{
    /// <summary>A blocked account is held (not anonymised) while it was blocked after this.</summary>
    public DateTimeOffset HoldCutoff => Now - Options.DisputeHold;
}
