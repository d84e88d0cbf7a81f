using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Fulfillment.Data.Migrations
{
    /// <inheritdoc />
    public partial class MoneyMatchesDelivery : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "charged_units",
                table: "orders",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "sending_at",
                table: "order_requests",
                type: "timestamp with time zone",
                nullable: true);

            // Signatures this version replaced (Sql/functions has their successors).
            migrationBuilder.Sql("""
                DROP FUNCTION IF EXISTS fulfillment_charge(text, numeric, integer);
                DROP FUNCTION IF EXISTS fulfillment_partial_refund(numeric, bigint, integer);
                DROP FUNCTION IF EXISTS fulfillment_finish_order(bigint, text, bigint, text, timestamptz, jsonb);
                DROP FUNCTION IF EXISTS fulfillment_finish_orders(bigint[], text[], bigint[], text[], timestamptz, jsonb[], text[], bigint[]);
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {

            migrationBuilder.DropColumn(
                name: "charged_units",
                table: "orders");

            migrationBuilder.DropColumn(
                name: "sending_at",
                table: "order_requests");
        }
    }
}
