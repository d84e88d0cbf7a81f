namespace Fulfillment.Engine.Retention;

/// <summary>
/// <c>Fulfillment:Retention</c>: how long each class of data is kept (the promises of the seeds,
/// docs/domain.md) and how <c>PurgeExpiredData</c> removes it. Every window counts back from the run's start.
/// </summary>
public sealed class RetentionOptions
{
    public const string Section = "Fulfillment:Retention";

    /// <summary>Count what each step would change, log it, and change nothing.</summary>
    public bool DryRun { get; set; }

    /// <summary>Rows one statement deletes or updates; each batch commits on its own, so locks stay short.</summary>
    public int BatchSize { get; set; } = 10_000;

    /// <summary>Users one statement anonymises, together with their activity, tickets, notifications and orders.</summary>
    public int UserBatchSize { get; set; } = 100;

    /// <summary>The pause between two batches, leaving the database to the panel's own traffic.</summary>
    public TimeSpan BatchPause { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary><c>activity_log</c> rows are deleted this long after they were written (004 Privacy 5.3: 1 year).</summary>
    public TimeSpan ActivityLog { get; set; } = TimeSpan.FromDays(365);

    /// <summary>Support tickets, with their messages, are deleted this long after the last message (002 §7: 24 months).</summary>
    public TimeSpan SupportTickets { get; set; } = TimeSpan.FromDays(730);

    /// <summary>Notifications the panel has sent are deleted this long after <c>sent_at</c>; unsent ones are kept.</summary>
    public TimeSpan SentNotifications { get; set; } = TimeSpan.FromDays(90);

    /// <summary>A deleted account (<c>users.deleted_at</c>) is anonymised this long after its deletion (004 Privacy 5.2: 1 year).</summary>
    public TimeSpan DeletedAccounts { get; set; } = TimeSpan.FromDays(365);

    /// <summary>An account without activity for this long gets one notice (002 §7, 003 §3: 24 months).</summary>
    public TimeSpan InactiveNotice { get; set; } = TimeSpan.FromDays(730);

    /// <summary>An account still inactive this long after its notice is anonymised.</summary>
    public TimeSpan InactiveGrace { get; set; } = TimeSpan.FromDays(30);

    /// <summary>The rented phone number and received codes of an SMS activation are purged this long after it finished.</summary>
    public TimeSpan ActivationData { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Finished orders are kept this long (002 §7: 5–7 years); then deleted, or anonymised while the ledger references them.</summary>
    public TimeSpan TransactionRecords { get; set; } = TimeSpan.FromDays(2557);

    /// <summary>
    /// An erasure request must be answered within this (002 §8, 004 Privacy 4.2: 30 days at most). Every run
    /// processes every pending request; a request still pending after the window is reported as overdue.
    /// </summary>
    public TimeSpan ErasureWindow { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// A blocked account (chargeback, fraud) is not anonymised, even on request, until this long after
    /// <c>users.blocked_at</c>: the data is evidence in the dispute. Zero turns the hold off.
    /// </summary>
    public TimeSpan DisputeHold { get; set; } = TimeSpan.FromDays(180);
}
