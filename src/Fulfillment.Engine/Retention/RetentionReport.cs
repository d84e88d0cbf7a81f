namespace Fulfillment.Engine.Retention;

/// <summary>What one <c>PurgeExpiredData</c> run did (or, in a dry run, would do), per step.</summary>
public sealed record RetentionReport(
    DateTimeOffset Now,
    bool DryRun,
    IReadOnlyList<RetentionStepResult> Steps,
    long PendingErasureRequests,
    long HeldErasureRequests,
    long OverdueErasureRequests)
{
    /// <summary>Rows the step changed (or would change); 0 for a step that did not run.</summary>
    public long this[string step] => Steps.FirstOrDefault(s => s.Step == step)?.Rows ?? 0;
}

/// <param name="Step">One of <see cref="RetentionSteps"/>.</param>
/// <param name="Rows">Rows changed; in a dry run, rows that would be.</param>
/// <param name="Batches">Statements that changed rows (0 in a dry run).</param>
/// <param name="Failed">The step stopped on an error; <see cref="Rows"/> counts the batches committed before it.</param>
public sealed record RetentionStepResult(string Step, string Verb, long Rows, int Batches, TimeSpan Elapsed, bool Failed = false);
