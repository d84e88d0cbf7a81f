using Fulfillment.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using static Fulfillment.Data.PanelDbContext;

namespace Fulfillment.Data.Model;

/// <summary>Providers, the panel's services, their routes and the providers' service lists.</summary>
internal static class ProviderModel
{
    public static void ConfigureProviders(EntityTypeBuilder<Provider> e)
    {
        e.ToTable("providers", t => t.HasCheckConstraint("ck_providers_kind", InList("kind", ProviderKind.All)));
        e.Property(x => x.Id).UseIdentityByDefaultColumn();
        e.Property(x => x.Kind).HasDefaultValue(ProviderKind.SmmV2);
        e.Property(x => x.ApiUrl).HasDefaultValue("");
        e.Property(x => x.ApiKey).HasDefaultValue("");
        e.Property(x => x.Enabled).HasDefaultValue(true);
        e.Property(x => x.Balance).HasColumnType(MoneyType);
        e.Property(x => x.MinBalance).HasColumnType(MoneyType).HasDefaultValue(0m);
        e.Property(x => x.AlertBalance).HasColumnType(MoneyType);
        e.HasIndex(x => x.Name).IsUnique();
    }

    public static void ConfigureServices(EntityTypeBuilder<Service> e)
    {
        e.ToTable("services", t =>
        {
            t.HasCheckConstraint("ck_services_rate_not_negative", "rate IS NULL OR rate >= 0");
            t.HasCheckConstraint("ck_services_min_max", "min >= 0 AND max >= min");
            t.HasCheckConstraint("ck_services_dripfeed_mode", InList("dripfeed_mode", DripFeedMode.All));
            t.HasCheckConstraint("ck_services_markup_not_negative", "markup_percent IS NULL OR markup_percent >= 0");
        });
        e.Property(x => x.Id).UseIdentityByDefaultColumn();
        e.Property(x => x.Type).HasDefaultValue(ServiceType.Default);
        e.Property(x => x.Rate).HasColumnType(MoneyType);
        e.Property(x => x.UpstreamRate).HasColumnType(MoneyType);
        e.Property(x => x.MarkupPercent).HasColumnType("numeric(9,4)");
        e.Property(x => x.MarkupApplied).HasColumnType("numeric(9,4)");
        e.Property(x => x.Min).HasDefaultValue(1);
        e.Property(x => x.Max).HasDefaultValue(1_000_000);
        e.Property(x => x.Dripfeed).HasDefaultValue(false);
        e.Property(x => x.DripfeedMode).HasDefaultValue(DripFeedMode.Auto);
        e.Property(x => x.Refill).HasDefaultValue(false);
        e.Property(x => x.Cancel).HasDefaultValue(false);
        e.Property(x => x.Enabled).HasDefaultValue(true);
        e.HasOne<Provider>().WithMany().HasForeignKey(x => x.ProviderId).OnDelete(DeleteBehavior.SetNull);
    }

    public static void ConfigureLists(ModelBuilder modelBuilder)
    {
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
    }
}
