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
            // The index alone is not enough: statistics taken when few orders were open (a quiet night; autovacuum analyses a
            // large table again only after a tenth of it changed) rate a whole scan of ix_orders_active_link as cheaper, and
            // the trigger's lookup then reads every open order once per finished order. That scan needs a sort for
            // ORDER BY id; the held queue's index returns its rows in order. Sorts off in this function only: the lookup
            // takes the index that needs none. The function is not replaced, so its pinned search path stays.
            migrationBuilder.Sql("""
                ALTER FUNCTION fulfillment_release_held() SET enable_sort = off;
                DO $secure$ BEGIN PERFORM fulfillment_secure_functions(); END $secure$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("ALTER FUNCTION fulfillment_release_held() RESET enable_sort;");
            migrationBuilder.DropIndex(
                name: "ix_orders_held_queue",
                table: "orders");
        }
    }
}
