using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Fulfillment.Data.Migrations
{
    /// <inheritdoc />
    public partial class HeldQueueIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The trigger orders_release_held, on every finish: the first order held behind the finished one. Its generic
            // plan read every active order (ix_orders_active_link, whole) once a large finished history was in the
            // statistics: 9 ms per finished order at 1,000,000 finished orders (docs/scaling.md). IF NOT EXISTS: on a large
            // panel a DBA may build it first with CREATE INDEX CONCURRENTLY under this name (docs/operations.md, "Upgrading").
            migrationBuilder.Sql("CREATE INDEX IF NOT EXISTS ix_orders_held_queue ON orders (held_by, id) WHERE status = 'held';");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_orders_held_queue",
                table: "orders");
        }
    }
}
