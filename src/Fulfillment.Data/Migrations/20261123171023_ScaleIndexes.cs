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
            migrationBuilder.DropIndex(
                name: "ix_orders_active",
                table: "orders");

            migrationBuilder.CreateIndex(
                name: "ix_orders_open_status",
                table: "orders",
                columns: new[] { "status", "id" },
                filter: "status IN ('pending', 'held', 'dispatching', 'in_progress', 'review')");

            migrationBuilder.CreateIndex(
                name: "ix_orders_open_user",
                table: "orders",
                column: "user_id",
                filter: "status NOT IN ('completed', 'partial', 'canceled', 'failed')");

            migrationBuilder.CreateIndex(
                name: "ix_notifications_sent_at",
                table: "notifications",
                column: "sent_at",
                filter: "sent_at IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_ledger_order_id",
                table: "ledger",
                column: "order_id");
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
