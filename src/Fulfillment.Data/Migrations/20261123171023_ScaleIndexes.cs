using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Fulfillment.Data.Migrations
{
    /// <inheritdoc />
    public partial class ScaleIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // IF NOT EXISTS: on a large panel a DBA may build these first with CREATE INDEX CONCURRENTLY
            // under the same names (docs/operations.md, "Upgrading"); the migration then keeps them.
            migrationBuilder.Sql("DROP INDEX IF EXISTS ix_orders_active;");
            migrationBuilder.Sql("CREATE INDEX IF NOT EXISTS ix_orders_open_status ON orders (status, id) " +
                "WHERE status IN ('pending', 'held', 'dispatching', 'in_progress', 'review');");
            migrationBuilder.Sql("CREATE INDEX IF NOT EXISTS ix_orders_open_user ON orders (user_id) " +
                "WHERE status NOT IN ('completed', 'partial', 'canceled', 'failed');");
            migrationBuilder.Sql("CREATE INDEX IF NOT EXISTS ix_notifications_sent_at ON notifications (sent_at) WHERE sent_at IS NOT NULL;");
            migrationBuilder.Sql("CREATE INDEX IF NOT EXISTS ix_ledger_order_id ON ledger (order_id);");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_orders_open_status",
                table: "orders");

            migrationBuilder.DropIndex(
                name: "ix_orders_open_user",
                table: "orders");

            migrationBuilder.DropIndex(
                name: "ix_notifications_sent_at",
                table: "notifications");

            migrationBuilder.DropIndex(
                name: "ix_ledger_order_id",
                table: "ledger");

            migrationBuilder.CreateIndex(
                name: "ix_orders_active",
                table: "orders",
                column: "id",
                filter: "status IN ('held', 'dispatching', 'in_progress', 'review')");
        }
    }
}
