using Microsoft.Extensions.Configuration;

namespace Fulfillment.Engine.Configuration;

/// <summary>
/// Validation of the sections the lifecycle's decisions read, shared by its stages: Dispatch, Tracking, Requests, Conflicts, Activations.
/// </summary>
public static class LifecycleRules
{
    public static IEnumerable<ConfigProblem> Check(IConfiguration configuration)
    {
        var problems = new List<ConfigProblem>();
        if (SectionBinder.Bind<DispatchOptions>(configuration, DispatchOptions.Section, problems) is { } d)
        {
            problems.Range(DispatchOptions.Section, nameof(d.BatchSize), d.BatchSize, 1, 10_000);
            problems.Range(DispatchOptions.Section, nameof(d.MaxParallelSends), d.MaxParallelSends, 1, 1024);
            problems.Positive(DispatchOptions.Section, nameof(d.RetryBackoffMin), d.RetryBackoffMin);
            problems.Require(DispatchOptions.Section, nameof(d.RetryBackoffMax), d.RetryBackoffMax >= d.RetryBackoffMin,
                $"must be at least RetryBackoffMin ({d.RetryBackoffMin}), not {d.RetryBackoffMax}");
            problems.Positive(DispatchOptions.Section, nameof(d.GiveUpAfter), d.GiveUpAfter);
            problems.Positive(DispatchOptions.Section, nameof(d.PausedRecheck), d.PausedRecheck);
            problems.Require(DispatchOptions.Section, nameof(d.FailoverAfter), d.FailoverAfter >= TimeSpan.Zero && d.FailoverAfter <= d.GiveUpAfter,
                $"must be between 00:00:00 and GiveUpAfter ({d.GiveUpAfter}), not {d.FailoverAfter}");
            problems.Require(DispatchOptions.Section, nameof(d.AbandonedAfter), d.AbandonedAfter >= TimeSpan.FromMinutes(1),
                $"must be at least 00:01:00 (longer than any provider timeout), not {d.AbandonedAfter}");
        }

        if (SectionBinder.Bind<TrackingOptions>(configuration, TrackingOptions.Section, problems) is { } t)
        {
            problems.Range(TrackingOptions.Section, nameof(t.BatchSize), t.BatchSize, 1, 100_000);
            problems.Range(TrackingOptions.Section, nameof(t.MaxParallelCalls), t.MaxParallelCalls, 1, 256);
            problems.Positive(TrackingOptions.Section, nameof(t.FirstCheckAfter), t.FirstCheckAfter);
            problems.Positive(TrackingOptions.Section, nameof(t.MinInterval), t.MinInterval);
            problems.Require(TrackingOptions.Section, nameof(t.MaxInterval), t.MaxInterval >= t.MinInterval,
                $"must be at least MinInterval ({t.MinInterval}), not {t.MaxInterval}");
            problems.Positive(TrackingOptions.Section, nameof(t.Lease), t.Lease);
            problems.Positive(TrackingOptions.Section, nameof(t.ReviewAfter), t.ReviewAfter);
            problems.Positive(TrackingOptions.Section, nameof(t.UnreachableReviewAfter), t.UnreachableReviewAfter);
            problems.Range(TrackingOptions.Section, nameof(t.UnknownOrderReviewAfter), t.UnknownOrderReviewAfter, 1, 1000);
            problems.Positive(TrackingOptions.Section, nameof(t.SubscriptionMinInterval), t.SubscriptionMinInterval);
            problems.Require(TrackingOptions.Section, nameof(t.SubscriptionMaxInterval), t.SubscriptionMaxInterval >= t.SubscriptionMinInterval,
                $"must be at least SubscriptionMinInterval ({t.SubscriptionMinInterval}), not {t.SubscriptionMaxInterval}");
            problems.Positive(TrackingOptions.Section, nameof(t.SubscriptionReviewAfter), t.SubscriptionReviewAfter);
        }

        if (SectionBinder.Bind<RequestOptions>(configuration, RequestOptions.Section, problems) is { } r)
        {
            problems.Range(RequestOptions.Section, nameof(r.BatchSize), r.BatchSize, 1, 10_000);
            problems.Positive(RequestOptions.Section, nameof(r.Lease), r.Lease);
            problems.Positive(RequestOptions.Section, nameof(r.RefillCheckInterval), r.RefillCheckInterval);
        }

        SectionBinder.Bind<ConflictOptions>(configuration, ConflictOptions.Section, problems);
        if (SectionBinder.Bind<ActivationOptions>(configuration, ActivationOptions.Section, problems) is { } a)
        {
            problems.Positive(ActivationOptions.Section, nameof(a.Window), a.Window);
            problems.Positive(ActivationOptions.Section, nameof(a.CheckInterval), a.CheckInterval);
            problems.Positive(ActivationOptions.Section, nameof(a.CancelRetryAfter), a.CancelRetryAfter);
        }

        return problems;
    }
}
