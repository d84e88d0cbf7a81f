namespace Fulfillment.Engine.Jobs;

/// <summary>
/// One scheduled job made of steps that different modules own (the host composes them, <c>JobCatalog</c>): each step runs in
/// order, a failing step never keeps the next from running (every other order must not wait on it), and the first failure is
/// raised once all have run.
/// </summary>
public sealed class JobSteps(IReadOnlyList<IEngineJob> steps) : IEngineJob
{
    public IReadOnlyList<IEngineJob> Steps => steps;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        System.Runtime.ExceptionServices.ExceptionDispatchInfo? failed = null;
        foreach (var step in steps)
        {
            try
            {
                await step.RunAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                failed ??= System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex);
            }
        }

        failed?.Throw();
    }
}
