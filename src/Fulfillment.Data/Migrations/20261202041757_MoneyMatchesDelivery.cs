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

            migrationBuilder.Sql(EmbeddedSql.Read("MoneyMatchesDelivery.up.sql"));
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(EmbeddedSql.Read("MoneyMatchesDelivery.down.sql"));

            migrationBuilder.DropColumn(
                name: "charged_units",
                table: "orders");

            migrationBuilder.DropColumn(
                name: "sending_at",
                table: "order_requests");
        }
    }
}
