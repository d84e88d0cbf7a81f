using Fulfillment.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using static Fulfillment.Data.PanelDbContext;

namespace Fulfillment.Data.Model;

/// <summary>What operators are alerted to, the routes in quarantine, price changes and service stats.</summary>
internal static class AlertModel
{
    public static void ConfigurePriceChanges(EntityTypeBuilder<PriceChange> e)
    {
        e.ToTable("price_changes", t => t.HasCheckConstraint("ck_price_changes_status", InList("status", PriceChangeStatus.All)));
        e.Property(x => x.Id).UseIdentityByDefaultColumn();
        e.Property(x => x.OldUpstreamRate).HasColumnType(MoneyType);
        e.Property(x => x.NewUpstreamRate).HasColumnType(MoneyType);
        e.Property(x => x.OldRate).HasColumnType(MoneyType);
        e.Property(x => x.NewRate).HasColumnType(MoneyType);
        e.Property(x => x.Status).HasDefaultValue(PriceChangeStatus.Observed);
        e.Property(x => x.SeenAt).HasDefaultValueSql("now()");
        e.HasOne<Service>().WithMany().HasForeignKey(x => x.ServiceId).OnDelete(DeleteBehavior.Cascade);
        e.HasOne<Provider>().WithMany().HasForeignKey(x => x.ProviderId).OnDelete(DeleteBehavior.SetNull);
        e.HasIndex(x => new { x.ServiceId, x.Id });
        e.HasIndex(x => x.ProviderId);
        e.HasIndex(x => x.ServiceId, "ix_price_changes_held").HasFilter("status = 'held'");
    }

    public static void ConfigureServiceStats(EntityTypeBuilder<ServiceStat> e)
    {
        e.ToTable("service_stats");
        e.HasKey(x => x.ServiceId);
        e.Property(x => x.AvgSeconds).HasColumnType("numeric(20,3)");
        e.Property(x => x.P90Seconds).HasColumnType("numeric(20,3)");
        e.Property(x => x.AvgSecondsPer1000).HasColumnName("avg_seconds_per_1000").HasColumnType("numeric(20,3)");
        e.Property(x => x.UpdatedAt).HasDefaultValueSql("now()");
        e.HasOne<Service>().WithMany().HasForeignKey(x => x.ServiceId).OnDelete(DeleteBehavior.Cascade);
    }

    public static void ConfigureAlerts(EntityTypeBuilder<OperatorAlert> e)
    {
        e.ToTable("operator_alerts", t =>
        {
            t.HasCheckConstraint("ck_operator_alerts_kind", InList("kind", AlertKind.All));
            t.HasCheckConstraint("ck_operator_alerts_subject_type", InList("subject_type", AlertSubject.All));
        });
        e.Property(x => x.Id).UseIdentityByDefaultColumn();
        e.Property(x => x.Detail).HasColumnType("jsonb").HasDefaultValueSql("'{}'::jsonb");
        e.Property(x => x.RaisedAt).HasDefaultValueSql("now()");
        // At most one open alert per kind and subject: raising one that is open changes nothing but its words.
        e.HasIndex(x => new { x.Kind, x.SubjectType, x.SubjectId }, "ux_operator_alerts_one_open").IsUnique().HasFilter("cleared_at IS NULL");
        e.HasIndex(x => x.RaisedAt);
    }

    public static void ConfigureQuarantines(EntityTypeBuilder<RouteQuarantine> e)
    {
        e.ToTable("route_quarantines");
        e.HasKey(x => new { x.ProviderId, x.Service });
        e.Property(x => x.UpdatedAt).HasDefaultValueSql("now()");
        e.HasOne<Provider>().WithMany().HasForeignKey(x => x.ProviderId).OnDelete(DeleteBehavior.Cascade);
    }
}
