using Fulfillment.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using static Fulfillment.Data.PanelDbContext;

namespace Fulfillment.Data.Model;

/// <summary>What happened and who was told: events, notifications, activity, support, erasure requests, engine instances.</summary>
internal static class ActivityModel
{
    public static void Configure(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<OrderEvent>(e =>
        {
            // Partitioned by the month of `at` (migration PartitionOrderEvents, in SQL: the model has no word for it), so new
            // events fill a young partition's pages instead of a gap on a years-old one. A partitioned table's primary key
            // must hold the partition key, hence (id, at); id alone stays unique by its identity.
            e.ToTable("order_events");
            e.HasKey(x => new { x.Id, x.At });
            e.Property(x => x.Id).UseIdentityByDefaultColumn();
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
        ConfigureAccountData(modelBuilder);
    }

    /// <summary>What an account leaves behind: activity, support tickets and messages, erasure requests; and the engine's own rows.</summary>
    private static void ConfigureAccountData(ModelBuilder modelBuilder)
    {
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
        modelBuilder.Entity<EngineSetting>(e =>
        {
            e.ToTable("fulfillment_settings");
            e.HasKey(x => x.Name);
            e.Property(x => x.UpdatedAt).HasDefaultValueSql("now()");
        });
    }
}
