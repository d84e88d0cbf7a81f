namespace Fulfillment.Engine.Jobs;

/// <summary>
/// The logic of one scheduled job, free of Quartz: the scheduler, <c>run-once</c> and the tests
/// all call <see cref="RunAsync"/>. Implementations are scoped: one instance per run.
/// </summary>
public interface IEngineJob
{
    Task RunAsync(CancellationToken cancellationToken);
}
