using Fulfillment.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using static Fulfillment.Data.PanelDbContext;

namespace Fulfillment.Data.Model;

/// <summary>Orders, their send attempts and the requests on them.</summary>
internal static class OrderModel
{
    public static void ConfigureOrders(EntityTypeBuilder<Order> e)
    {
        e.ToTable("orders", t =>
        {
            t.HasCheckConstraint("ck_orders_status", InList("status", OrderStatus.All));
            t.HasCheckConstraint("ck_orders_quantity_positive", "quantity > 0");
            t.HasCheckConstraint("ck_orders_charge_not_negative", "charge >= 0");
            t.HasCheckConstraint("ck_orders_refunded_within_charge", "refunded >= 0 AND refunded <= charge");
            t.HasCheckConstraint("ck_orders_run_of_parent", "(parent_id IS NULL) = (run_number IS NULL) AND (run_number IS NULL OR run_number >= 1)");
        });
        e.Property(x => x.Id).UseIdentityByDefaultColumn();
        e.Property(x => x.Link).HasDefaultValue("");
        e.Property(x => x.Charge).HasColumnType(MoneyType).HasDefaultValue(0m);
        e.Property(x => x.Params).HasDefaultValueSql("'{}'::jsonb");
        e.Property(x => x.CreatedAt).HasDefaultValueSql("now()");
        e.Property(x => x.Status).HasDefaultValue(OrderStatus.Pending);
        e.Property(x => x.Refunded).HasColumnType(MoneyType).HasDefaultValue(0m);
        e.Property(x => x.UpdatedAt).HasDefaultValueSql("now()");
        e.Property(x => x.Attempts).HasDefaultValue(0);
        e.Property(x => x.UnknownAnswers).HasDefaultValue(0);
        e.Property(x => x.ProviderCharge).HasColumnType(MoneyType);
        e.Property(x => x.RoutePosition).HasDefaultValue(0);
        e.HasIndex(x => x.NextCheckAt).HasDatabaseName("ix_orders_tracking").HasFilter("status = 'in_progress'");
        e.HasIndex(x => x.LinkKey).HasDatabaseName("ix_orders_active_link")
            .HasFilter("status IN ('pending', 'held', 'dispatching', 'in_progress')");
        e.HasOne<User>().WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.Restrict);
        e.HasOne<Service>().WithMany().HasForeignKey(x => x.ServiceId).OnDelete(DeleteBehavior.Restrict);
        e.HasOne<Provider>().WithMany().HasForeignKey(x => x.ProviderId).OnDelete(DeleteBehavior.SetNull);
        e.HasOne<Order>().WithMany().HasForeignKey(x => x.HeldBy).OnDelete(DeleteBehavior.SetNull);
        e.HasIndex(x => x.UserId);
        e.HasIndex(x => x.ServiceId);
        // Partial: almost every order has no blocker, and every write that moves a row inserts into every index over it
        // (docs/scaling.md). The foreign key's ON DELETE lookup (held_by = $1) still uses it.
        e.HasIndex(x => x.HeldBy).HasFilter("held_by IS NOT NULL");
        // An order is written about six times in its first hours, then never again: room on each page keeps its new
        // versions beside it, so the indexes' new entries stay in their hot end instead of landing next to years-old rows
        // wherever the free-space map found a gap (docs/scaling.md, "A database that has grown").
        e.HasStorageParameter("fillfactor", 80);
        // Drip-feed: a parent's runs, one row per run number ever (a run is never created twice), and the
        // emulated parents the engine looks at next.
        e.HasOne<Order>().WithMany().HasForeignKey(x => x.ParentId).OnDelete(DeleteBehavior.Restrict);
        e.HasIndex(x => new { x.ParentId, x.RunNumber }, "ux_orders_one_row_per_run").IsUnique().HasFilter("parent_id IS NOT NULL");
        e.HasIndex(x => x.NextAttemptAt, "ix_orders_dripfeed_due").HasFilter("emulated_runs IS NOT NULL AND status = 'in_progress'");
        e.HasIndex(x => x.ProviderId);
        ConfigureQueues(e);
    }

    /// <summary>The indexes the engine's queues and lookups read, each over a few rows of the table.</summary>
    private static void ConfigureQueues(EntityTypeBuilder<Order> e)
    {
        // The engine's queues: small partial indexes over the open states only, so their size follows the
        // open orders, not the table. (status, id) serves every "orders in this state, oldest first" query
        // (the dispatch claim, recovery, held releases, queue depths). Named overloads: EF merges unnamed
        // indexes over the same columns into one (it once dropped the pending queue's index unnoticed).
        e.HasIndex(x => new { x.Status, x.Id }, "ix_orders_open_status")
            .HasFilter("status IN ('pending', 'held', 'dispatching', 'in_progress', 'review')");
        // Held orders by their blocker, oldest first: what the trigger orders_release_held reads on every finish. Without
        // it, once the statistics knew a large finished history, the trigger's generic plan read every active order per
        // finished order (9 ms each at 1,000,000 finished orders; a 1,000-order finish batch timed out: docs/scaling.md).
        e.HasIndex(x => new { x.HeldBy, x.Id }, "ix_orders_held_queue").HasFilter("status = 'held'");
        // Each service's latest orders delivered (service_stats reads the latest few, never the whole table).
        e.HasIndex(x => new { x.ServiceId, x.FinishedAt }, "ix_orders_service_delivered").IsDescending(false, true)
            .HasFilter("status IN ('completed', 'partial') AND parent_id IS NULL AND emulated_runs IS NULL AND charged_posts IS NULL");
        // A user's open orders (blocked accounts, retention's "no open order" checks).
        e.HasIndex(x => x.UserId, "ix_orders_open_user")
            .HasFilter("status NOT IN ('completed', 'partial', 'canceled', 'failed')");
    }

    /// <summary>One row per add or getNumber sent; purged with its order.</summary>
    public static void ConfigureAttempts(EntityTypeBuilder<OrderAttempt> e)
    {
        e.ToTable("order_attempts", t => t.HasCheckConstraint("ck_order_attempts_outcome", InList("outcome", AttemptOutcome.All)));
        e.Property(x => x.Id).UseIdentityByDefaultColumn();
        e.Property(x => x.UpstreamRate).HasColumnType(MoneyType);
        e.Property(x => x.Outcome).HasDefaultValue(AttemptOutcome.Sending);
        e.HasOne<Order>().WithMany().HasForeignKey(x => x.OrderId).OnDelete(DeleteBehavior.Cascade);
        e.HasOne<Provider>().WithMany().HasForeignKey(x => x.ProviderId).OnDelete(DeleteBehavior.SetNull);
        e.HasIndex(x => new { x.OrderId, x.Id });
        e.HasIndex(x => x.ProviderId);
        // The recent attempts: the routes' health window (quarantine).
        e.HasIndex(x => x.SentAt);
        // At most one add in flight per order: the last guard of "never sent twice at once".
        e.HasIndex(x => x.OrderId, "ux_order_attempts_one_sending").IsUnique().HasFilter("outcome = 'sending'");
    }

    public static void ConfigureOrderRequests(EntityTypeBuilder<OrderRequest> e)
    {
        e.ToTable("order_requests", t =>
        {
            t.HasCheckConstraint("ck_order_requests_kind", InList("kind", OrderRequestKind.All));
            t.HasCheckConstraint("ck_order_requests_status", InList("status", OrderRequestStatus.All));
        });
        e.Property(x => x.Id).UseIdentityByDefaultColumn();
        e.Property(x => x.Status).HasDefaultValue(OrderRequestStatus.Pending);
        e.Property(x => x.CreatedAt).HasDefaultValueSql("now()");
        e.Property(x => x.UpdatedAt).HasDefaultValueSql("now()");
        e.Property(x => x.Attempts).HasDefaultValue(0);
        e.HasOne<Order>().WithMany().HasForeignKey(x => x.OrderId).OnDelete(DeleteBehavior.Cascade);
        e.HasIndex(x => x.OrderId);
        e.HasIndex(x => x.Id).HasDatabaseName("ix_order_requests_open").HasFilter("status IN ('pending', 'sent')");
    }
}
