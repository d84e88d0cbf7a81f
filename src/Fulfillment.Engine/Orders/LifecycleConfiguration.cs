using Fulfillment.Engine.Configuration;
using Fulfillment.Engine.Dispatch;
using Fulfillment.Engine.Providers;
using Fulfillment.Engine.Requests;
using Fulfillment.Engine.Tracking;
using Microsoft.Extensions.Configuration;

namespace Fulfillment.Engine.Orders;

/// <summary>Validation of the lifecycle's sections: Dispatch, Tracking, Requests, ProviderSync.</summary>
public static class LifecycleConfiguration
{
    public static IEnumerable<ConfigProblem> Check(IConfiguration configuration)
    {
        var problems = new List<ConfigProblem>();
        if (SectionBinder.Bind<DispatchOptions>(configuration, DispatchOptions.Section, problems) is { } d)
        {
            Range(problems, DispatchOptions.Section, nameof(d.BatchSize), d.BatchSize, 1, 10_000);
            Range(problems, DispatchOptions.Section, nameof(d.MaxParallelSends), d.MaxParallelSends, 1, 1024);
            Positive(problems, DispatchOptions.Section, nameof(d.RetryBackoffMin), d.RetryBackoffMin);
            Require(problems, DispatchOptions.Section, nameof(d.RetryBackoffMax), d.RetryBackoffMax >= d.RetryBackoffMin,
                $"must be at least RetryBackoffMin ({d.RetryBackoffMin}), not {d.RetryBackoffMax}");
            Positive(problems, DispatchOptions.Section, nameof(d.GiveUpAfter), d.GiveUpAfter);
            Positive(problems, DispatchOptions.Section, nameof(d.PausedRecheck), d.PausedRecheck);
            Require(problems, DispatchOptions.Section, nameof(d.AbandonedAfter), d.AbandonedAfter >= TimeSpan.FromMinutes(1),
                $"must be at least 00:01:00 (longer than any provider timeout), not {d.AbandonedAfter}");
        }

        if (SectionBinder.Bind<TrackingOptions>(configuration, TrackingOptions.Section, problems) is { } t)
        {
            Range(problems, TrackingOptions.Section, nameof(t.BatchSize), t.BatchSize, 1, 100_000);
            Range(problems, TrackingOptions.Section, nameof(t.MaxParallelCalls), t.MaxParallelCalls, 1, 256);
            Positive(problems, TrackingOptions.Section, nameof(t.FirstCheckAfter), t.FirstCheckAfter);
            Positive(problems, TrackingOptions.Section, nameof(t.MinInterval), t.MinInterval);
            Require(problems, TrackingOptions.Section, nameof(t.MaxInterval), t.MaxInterval >= t.MinInterval,
                $"must be at least MinInterval ({t.MinInterval}), not {t.MaxInterval}");
            Positive(problems, TrackingOptions.Section, nameof(t.Lease), t.Lease);
            Positive(problems, TrackingOptions.Section, nameof(t.ReviewAfter), t.ReviewAfter);
        }

        if (SectionBinder.Bind<RequestOptions>(configuration, RequestOptions.Section, problems) is { } r)
        {
            Range(problems, RequestOptions.Section, nameof(r.BatchSize), r.BatchSize, 1, 10_000);
            Positive(problems, RequestOptions.Section, nameof(r.Lease), r.Lease);
            Positive(problems, RequestOptions.Section, nameof(r.RefillCheckInterval), r.RefillCheckInterval);
        }

        SectionBinder.Bind<ProviderSyncOptions>(configuration, ProviderSyncOptions.Section, problems);
        SectionBinder.Bind<Conflicts.ConflictOptions>(configuration, Conflicts.ConflictOptions.Section, problems);
        if (SectionBinder.Bind<Activations.ActivationOptions>(configuration, Activations.ActivationOptions.Section, problems) is { } a)
        {
            Positive(problems, Activations.ActivationOptions.Section, nameof(a.Window), a.Window);
            Positive(problems, Activations.ActivationOptions.Section, nameof(a.CheckInterval), a.CheckInterval);
            Positive(problems, Activations.ActivationOptions.Section, nameof(a.CancelRetryAfter), a.CancelRetryAfter);
        }
        return problems;
    }

    private static void Range(List<ConfigProblem> problems, string section, string key, int value, int min, int max) =>
        Require(problems, section, key, value >= min && value <= max, $"must be between {min} and {max}, not {value}");

    private static void Positive(List<ConfigProblem> problems, string section, string key, TimeSpan value) =>
        Require(problems, section, key, value > TimeSpan.Zero, $"must be a positive duration, not {value}");

    private static void Require(List<ConfigProblem> problems, string section, string key, bool condition, string message)
    {
        if (!condition)
        {
            problems.Add(new($"{section}:{key}", message));
        }
    }
}
