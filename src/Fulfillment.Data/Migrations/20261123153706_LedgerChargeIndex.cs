using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Fulfillment.Data.Migrations
{
    /// <inheritdoc />
    public partial class LedgerChargeIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "ux_ledger_one_charge_per_order",
                table: "ledger",
                column: "order_id",
                unique: true,
                filter: "kind = 'charge'");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ux_ledger_one_charge_per_order",
                table: "ledger");
        }
    }
}
