using System.Text;
using Fulfillment.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Fulfillment.Data;

/// <summary>
/// The panel database as the engine sees it. The schema is the public contract of
/// docs/contract.md: tables and columns are snake_case, money is numeric(20,6).
/// </summary>
public sealed class PanelDbContext(DbContextOptions<PanelDbContext> options) : DbContext(options)
{
    public const string MoneyType = "numeric(20,6)";

    public DbSet<User> Users => Set<User>();
    public DbSet<Provider> Providers => Set<Provider>();
    public DbSet<Service> Services => Set<Service>();
    public DbSet<Order> Orders => Set<Order>();
    public DbSet<LedgerEntry> Ledger => Set<LedgerEntry>();
    public DbSet<OrderRequest> OrderRequests => Set<OrderRequest>();
    public DbSet<OrderEvent> OrderEvents => Set<OrderEvent>();
    public DbSet<Notification> Notifications => Set<Notification>();
    public DbSet<ActivityLogEntry> ActivityLog => Set<ActivityLogEntry>();
    public DbSet<SupportTicket> SupportTickets => Set<SupportTicket>();
    public DbSet<SupportMessage> SupportMessages => Set<SupportMessage>();
    public DbSet<ErasureRequest> ErasureRequests => Set<ErasureRequest>();
    public DbSet<EngineInstance> EngineInstances => Set<EngineInstance>();
    public DbSet<ProviderService> ProviderServices => Set<ProviderService>();
    public DbSet<ServiceRoute> ServiceRoutes => Set<ServiceRoute>();
    public DbSet<CurrencyRate> CurrencyRates => Set<CurrencyRate>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<User>(ConfigureUsers);
        modelBuilder.Entity<Provider>(ConfigureProviders);
        modelBuilder.Entity<Service>(ConfigureServices);
        modelBuilder.Entity<Order>(ConfigureOrders);
        modelBuilder.Entity<LedgerEntry>(ConfigureLedger);
        modelBuilder.Entity<OrderRequest>(ConfigureOrderRequests);
        modelBuilder.Entity<OrderEvent>(e =>
        {
            e.ToTable("order_events");
            e.Property(x => x.At).HasDefaultValueSql("now()");
            e.Property(x => x.Detail).HasDefaultValueSql("'{}'::jsonb");
            e.HasOne<Order>().WithMany().HasForeignKey(x => x.OrderId).OnDelete(DeleteBehavior.Cascade);
            e.HasIndex(x => new { x.OrderId, x.Id });
        });
        modelBuilder.Entity<Notification>(e =>
        {
            e.ToTable("notifications");
            e.Property(x => x.CreatedAt).HasDefaultValueSql("now()");
            e.Property(x => x.Payload).HasDefaultValueSql("'{}'::jsonb");
            e.HasOne<User>().WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Order>().WithMany().HasForeignKey(x => x.OrderId).OnDelete(DeleteBehavior.SetNull);
            e.HasIndex(x => x.UserId);
            e.HasIndex(x => x.OrderId);
            e.HasIndex(x => x.CreatedAt);
            // The retention purge of sent notifications; never-sent ones are not in it.
            e.HasIndex(x => x.SentAt, "ix_notifications_sent_at").HasFilter("sent_at IS NOT NULL");
        });
        modelBuilder.Entity<ActivityLogEntry>(e =>
        {
            e.ToTable("activity_log");
            e.Property(x => x.CreatedAt).HasDefaultValueSql("now()");
            e.HasOne<User>().WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.SetNull);
            e.HasIndex(x => x.CreatedAt);
            e.HasIndex(x => x.UserId);
        });
        modelBuilder.Entity<SupportTicket>(e =>
        {
            e.ToTable("support_tickets");
            e.Property(x => x.CreatedAt).HasDefaultValueSql("now()");
            e.Property(x => x.Subject).HasDefaultValue("");
            e.Property(x => x.Status).HasDefaultValue("open");
            e.HasOne<User>().WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.Cascade);
            e.HasIndex(x => x.UserId);
        });
        modelBuilder.Entity<SupportMessage>(e =>
        {
            e.ToTable("support_messages");
            e.Property(x => x.CreatedAt).HasDefaultValueSql("now()");
            e.Property(x => x.Body).HasDefaultValue("");
            e.HasOne<SupportTicket>().WithMany().HasForeignKey(x => x.TicketId).OnDelete(DeleteBehavior.Cascade);
            e.HasIndex(x => x.TicketId);
        });
        modelBuilder.Entity<ErasureRequest>(e =>
        {
            e.ToTable("erasure_requests");
            e.Property(x => x.RequestedAt).HasDefaultValueSql("now()");
            e.HasOne<User>().WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.Cascade);
            e.HasIndex(x => x.UserId);
        });
        modelBuilder.Entity<EngineInstance>(e =>
        {
            e.ToTable("engine_instances");
            e.Property(x => x.Id).ValueGeneratedNever();
            e.Property(x => x.StartedAt).HasDefaultValueSql("now()");
            e.Property(x => x.HeartbeatAt).HasDefaultValueSql("now()");
            e.Property(x => x.Info).HasDefaultValueSql("'{}'::jsonb");
        });

        modelBuilder.Entity<ProviderService>(e =>
        {
            e.ToTable("provider_services");
            e.Property(x => x.Rate).HasColumnType(MoneyType);
            e.HasOne<Provider>().WithMany().HasForeignKey(x => x.ProviderId).OnDelete(DeleteBehavior.Cascade);
            e.HasIndex(x => new { x.ProviderId, x.Service }).IsUnique();
        });

        modelBuilder.Entity<ServiceRoute>(e =>
        {
            e.ToTable("service_routes", t => t.HasCheckConstraint("ck_service_routes_position", "position >= 1"));
            e.Property(x => x.Id).UseIdentityByDefaultColumn();
            e.Property(x => x.Enabled).HasDefaultValue(true);
            e.HasOne<Service>().WithMany().HasForeignKey(x => x.ServiceId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Provider>().WithMany().HasForeignKey(x => x.ProviderId).OnDelete(DeleteBehavior.Cascade);
            e.HasIndex(x => new { x.ServiceId, x.Position }).IsUnique();
            e.HasIndex(x => x.ProviderId);
        });
        modelBuilder.Entity<CurrencyRate>(e =>
        {
            e.ToTable("currency_rates", t => t.HasCheckConstraint("ck_currency_rates_rate_positive", "rate > 0"));
            e.HasKey(x => x.Currency);
            e.Property(x => x.Rate).HasColumnType(MoneyType);
            e.Property(x => x.UpdatedAt).HasDefaultValueSql("now()");
        });

        ApplySnakeCaseNames(modelBuilder);
    }

    private static void ConfigureUsers(EntityTypeBuilder<User> e)
    {
        e.ToTable("users", t =>
        {
            t.HasCheckConstraint("ck_users_balance_not_negative", "balance >= 0");
            t.HasCheckConstraint("ck_users_status", InList("status", UserStatus.All));
        });
        e.Property(x => x.Id).UseIdentityByDefaultColumn();
        e.Property(x => x.Balance).HasColumnType(MoneyType).HasDefaultValue(0m);
        e.Property(x => x.Status).HasDefaultValue(UserStatus.Active);
        e.Property(x => x.CreatedAt).HasDefaultValueSql("now()");
        e.HasIndex(x => x.Username).IsUnique();
    }

    private static void ConfigureProviders(EntityTypeBuilder<Provider> e)
    {
        e.ToTable("providers", t => t.HasCheckConstraint("ck_providers_kind", InList("kind", ProviderKind.All)));
        e.Property(x => x.Id).UseIdentityByDefaultColumn();
        e.Property(x => x.Kind).HasDefaultValue(ProviderKind.SmmV2);
        e.Property(x => x.ApiUrl).HasDefaultValue("");
        e.Property(x => x.ApiKey).HasDefaultValue("");
        e.Property(x => x.Enabled).HasDefaultValue(true);
        e.Property(x => x.Balance).HasColumnType(MoneyType);
        e.Property(x => x.MinBalance).HasColumnType(MoneyType).HasDefaultValue(0m);
        e.HasIndex(x => x.Name).IsUnique();
    }

    private static void ConfigureServices(EntityTypeBuilder<Service> e)
    {
        e.ToTable("services", t =>
        {
            t.HasCheckConstraint("ck_services_rate_not_negative", "rate IS NULL OR rate >= 0");
            t.HasCheckConstraint("ck_services_min_max", "min >= 0 AND max >= min");
            t.HasCheckConstraint("ck_services_dripfeed_mode", InList("dripfeed_mode", DripFeedMode.All));
        });
        e.Property(x => x.Id).UseIdentityByDefaultColumn();
        e.Property(x => x.Type).HasDefaultValue(ServiceType.Default);
        e.Property(x => x.Rate).HasColumnType(MoneyType);
        e.Property(x => x.UpstreamRate).HasColumnType(MoneyType);
        e.Property(x => x.Min).HasDefaultValue(1);
        e.Property(x => x.Max).HasDefaultValue(1_000_000);
        e.Property(x => x.Dripfeed).HasDefaultValue(false);
        e.Property(x => x.DripfeedMode).HasDefaultValue(DripFeedMode.Auto);
        e.Property(x => x.Refill).HasDefaultValue(false);
        e.Property(x => x.Cancel).HasDefaultValue(false);
        e.Property(x => x.Enabled).HasDefaultValue(true);
        e.HasOne<Provider>().WithMany().HasForeignKey(x => x.ProviderId).OnDelete(DeleteBehavior.SetNull);
    }

    private static void ConfigureOrders(EntityTypeBuilder<Order> e)
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
        e.Property(x => x.ProviderCharge).HasColumnType(MoneyType);
        e.Property(x => x.RoutePosition).HasDefaultValue(0);
        e.Property(x => x.RoutePinned).HasDefaultValue(false);
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
        // A user's open orders (blocked accounts, retention's "no open order" checks).
        e.HasIndex(x => x.UserId, "ix_orders_open_user")
            .HasFilter("status NOT IN ('completed', 'partial', 'canceled', 'failed')");
    }

    private static void ConfigureLedger(EntityTypeBuilder<LedgerEntry> e)
    {
        e.ToTable("ledger", t =>
        {
            t.HasCheckConstraint("ck_ledger_kind", InList("kind", LedgerKind.All));
            t.HasCheckConstraint("ck_ledger_balance_after_not_negative", "balance_after >= 0");
            t.HasCheckConstraint("ck_ledger_sign",
                "(kind IN ('deposit', 'refund') AND amount > 0) OR (kind IN ('charge', 'forfeit') AND amount <= 0) OR kind = 'adjustment'");
        });
        e.Property(x => x.Id).UseIdentityByDefaultColumn();
        e.Property(x => x.Amount).HasColumnType(MoneyType);
        e.Property(x => x.BalanceAfter).HasColumnType(MoneyType);
        e.Property(x => x.CreatedAt).HasDefaultValueSql("now()");
        e.HasOne<User>().WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.Restrict);
        e.HasOne<Order>().WithMany().HasForeignKey(x => x.OrderId).OnDelete(DeleteBehavior.Restrict);
        e.HasIndex(x => new { x.UserId, x.Id });
        // Named overloads: two unnamed HasIndex calls on the same column are one index to EF Core,
        // and the second would silently replace the first (it once dropped the charge index).
        e.HasIndex(x => x.OrderId, "ux_ledger_one_charge_per_order").IsUnique().HasFilter("kind = 'charge'");
        e.HasIndex(x => x.OrderId, "ux_ledger_one_refund_per_order").IsUnique().HasFilter("kind = 'refund'");
        // Every ledger row of an order: the RESTRICT foreign key's check when an order is deleted.
        e.HasIndex(x => x.OrderId, "ix_ledger_order_id");
        e.HasIndex(x => x.Reference, "ux_ledger_one_deposit_per_reference").IsUnique().HasFilter("kind = 'deposit'");
    }

    private static void ConfigureOrderRequests(EntityTypeBuilder<OrderRequest> e)
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

    private static string InList(string column, IEnumerable<string> values) =>
        $"{column} IN ({string.Join(", ", values.Select(v => $"'{v}'"))})";

    /// <summary>Tables, columns, keys and indexes in snake_case, as the contract names them.</summary>
    private static void ApplySnakeCaseNames(ModelBuilder modelBuilder)
    {
        foreach (var entity in modelBuilder.Model.GetEntityTypes())
        {
            foreach (var property in entity.GetProperties())
            {
                property.SetColumnName(ToSnakeCase(property.Name));
            }

            foreach (var key in entity.GetKeys())
            {
                key.SetName($"pk_{entity.GetTableName()}");
            }

            foreach (var fk in entity.GetForeignKeys())
            {
                var columns = string.Join("_", fk.Properties.Select(p => ToSnakeCase(p.Name)));
                fk.SetConstraintName($"fk_{entity.GetTableName()}_{columns}");
            }

            foreach (var index in entity.GetIndexes().Where(i => i.GetDatabaseName() is { } n && n.StartsWith("IX_", StringComparison.Ordinal)))
            {
                var columns = string.Join("_", index.Properties.Select(p => ToSnakeCase(p.Name)));
                index.SetDatabaseName($"{(index.IsUnique ? "ux" : "ix")}_{entity.GetTableName()}_{columns}");
            }
        }
    }

    public static string ToSnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0)
                {
                    sb.Append('_');
                }

                sb.Append(char.ToLowerInvariant(c));
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }
}
