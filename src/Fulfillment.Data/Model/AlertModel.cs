using Fulfillment.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using static Fulfillment.Data.PanelDbContext;

namespace Fulfillment.Data.Model;

/// <summary>What operators are alerted to, and the routes in quarantine.</summary>
internal static class AlertModel
{
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
