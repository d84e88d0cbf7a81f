using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Fulfillment.Data.Migrations
{
    /// <inheritdoc />
    public partial class OrdersPageRoom : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Every write that moves an order to a new row version inserts into every index over orders. ix_orders_held_by
            // indexed every order, almost all with no blocker (NULL); partial, it holds the few held behind another, and
            // still serves the foreign key's ON DELETE lookup (held_by = $1 implies held_by IS NOT NULL). On a large panel a
            // DBA may build it first without blocking writes (docs/operations.md, "Upgrading"): the whole-table one is
            // dropped only when it is still the one here, and the partial one is created only when missing.
            migrationBuilder.Sql("""
                DO $$
                BEGIN
                    IF EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                               WHERE c.relname = 'ix_orders_held_by' AND c.relnamespace = current_schema()::regnamespace AND i.indpred IS NULL) THEN
                        DROP INDEX ix_orders_held_by;
                    END IF;
                END $$;
                CREATE INDEX IF NOT EXISTS ix_orders_held_by ON orders (held_by) WHERE held_by IS NOT NULL;
                """);
            // Room on each page of orders for the new versions of its rows (an order is written about six times in its
            // first hours): they stay beside the old one, and so do their index entries, instead of going wherever the
            // free-space map finds a gap among years of finished orders (docs/scaling.md, "A database that has grown").
            // Pages written from now on; existing pages are not rewritten.
            migrationBuilder.AlterTable(
                name: "orders")
                .Annotation("Npgsql:StorageParameter:fillfactor", 80);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterTable(
                name: "orders")
                .OldAnnotation("Npgsql:StorageParameter:fillfactor", 80);

            migrationBuilder.DropIndex(
                name: "ix_orders_held_by",
                table: "orders");

            migrationBuilder.CreateIndex(
                name: "ix_orders_held_by",
                table: "orders",
                column: "held_by");
        }
    }
}
