using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Fulfillment.Data.Migrations
{
    /// <inheritdoc />
    public partial class FinishInSets : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The row-by-row ledger chain trigger is replaced by a statement-level one (Sql/triggers/ledger_chain.sql).
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS ledger_chain ON ledger; DROP FUNCTION IF EXISTS fulfillment_ledger_chain();");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
        }
    }
}
