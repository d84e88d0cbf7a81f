using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Fulfillment.Data.Migrations
{
    /// <inheritdoc />
    public partial class Subscriptions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "charged_posts",
                table: "orders",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "posts_served",
                table: "orders",
                type: "integer",
                nullable: true);

            // The signature this version replaced (Sql/functions/fulfillment_finish_orders.sql has its successor).
            migrationBuilder.Sql("DROP FUNCTION IF EXISTS fulfillment_finish_orders(bigint[], text[], bigint[], text[], timestamptz, jsonb[], text[], bigint[], text[]);");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {

            migrationBuilder.DropColumn(
                name: "charged_posts",
                table: "orders");

            migrationBuilder.DropColumn(
                name: "posts_served",
                table: "orders");
        }
    }
}
