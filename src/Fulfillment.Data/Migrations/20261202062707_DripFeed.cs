using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Fulfillment.Data.Migrations
{
    /// <inheritdoc />
    public partial class DripFeed : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "dripfeed_mode",
                table: "services",
                type: "text",
                nullable: false,
                defaultValue: "auto");

            migrationBuilder.AddColumn<int>(
                name: "emulated_runs",
                table: "orders",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "parent_id",
                table: "orders",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "run_number",
                table: "orders",
                type: "integer",
                nullable: true);

            migrationBuilder.AddCheckConstraint(
                name: "ck_services_dripfeed_mode",
                table: "services",
                sql: "dripfeed_mode IN ('auto', 'native', 'emulated')");

            migrationBuilder.CreateIndex(
                name: "ix_orders_dripfeed_due",
                table: "orders",
                column: "next_attempt_at",
                filter: "emulated_runs IS NOT NULL AND status = 'in_progress'");

            migrationBuilder.CreateIndex(
                name: "ux_orders_one_row_per_run",
                table: "orders",
                columns: new[] { "parent_id", "run_number" },
                unique: true,
                filter: "parent_id IS NOT NULL");

            migrationBuilder.AddCheckConstraint(
                name: "ck_orders_run_of_parent",
                table: "orders",
                sql: "(parent_id IS NULL) = (run_number IS NULL) AND (run_number IS NULL OR run_number >= 1)");

            migrationBuilder.AddForeignKey(
                name: "fk_orders_parent_id",
                table: "orders",
                column: "parent_id",
                principalTable: "orders",
                principalColumn: "id",
                onDelete: ReferentialAction.Restrict);

        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {

            migrationBuilder.DropForeignKey(
                name: "fk_orders_parent_id",
                table: "orders");

            migrationBuilder.DropCheckConstraint(
                name: "ck_services_dripfeed_mode",
                table: "services");

            migrationBuilder.DropIndex(
                name: "ix_orders_dripfeed_due",
                table: "orders");

            migrationBuilder.DropIndex(
                name: "ux_orders_one_row_per_run",
                table: "orders");

            migrationBuilder.DropCheckConstraint(
                name: "ck_orders_run_of_parent",
                table: "orders");

            migrationBuilder.DropColumn(
                name: "dripfeed_mode",
                table: "services");

            migrationBuilder.DropColumn(
                name: "emulated_runs",
                table: "orders");

            migrationBuilder.DropColumn(
                name: "parent_id",
                table: "orders");

            migrationBuilder.DropColumn(
                name: "run_number",
                table: "orders");
        }
    }
}
