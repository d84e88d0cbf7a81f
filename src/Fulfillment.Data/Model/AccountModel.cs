using Fulfillment.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using static Fulfillment.Data.PanelDbContext;

namespace Fulfillment.Data.Model;

/// <summary>Users and their ledger.</summary>
internal static class AccountModel
{
    public static void ConfigureUsers(EntityTypeBuilder<User> e)
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

    public static void ConfigureLedger(EntityTypeBuilder<LedgerEntry> e)
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
}
