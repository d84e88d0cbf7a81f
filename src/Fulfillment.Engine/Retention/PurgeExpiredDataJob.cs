using Fulfillment.Engine.Jobs;

namespace Fulfillment.Engine.Retention;

/// <summary><c>PurgeExpiredData</c>: keeps the retention promises of the seeds (docs/domain.md). Nightly by default.</summary>
public sealed class PurgeExpiredDataJob(RetentionRunner runner) : IEngineJob
{
    /// <summary>The last run's report, for <c>run-once</c> and tests.</summary>
    public RetentionReport? Report { get; private set; }

    public async Task RunAsync(CancellationToken cancellationToken) => Report = await runner.RunAsync(cancellationToken);
}
