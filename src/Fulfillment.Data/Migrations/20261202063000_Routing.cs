using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Fulfillment.Data.Migrations
{
    /// <inheritdoc />
    public partial class Routing : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<decimal>(
                name: "provider_charge",
                table: "orders",
                type: "numeric(20,6)",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "provider_currency",
                table: "orders",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "route_pinned",
                table: "orders",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<int>(
                name: "route_position",
                table: "orders",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "route_refusing_since",
                table: "orders",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "currency_rates",
                columns: table => new
                {
                    currency = table.Column<string>(type: "text", nullable: false),
                    rate = table.Column<decimal>(type: "numeric(20,6)", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()")
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_currency_rates", x => x.currency);
                    table.CheckConstraint("ck_currency_rates_rate_positive", "rate > 0");
                });

            migrationBuilder.CreateTable(
                name: "service_routes",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    service_id = table.Column<long>(type: "bigint", nullable: false),
                    position = table.Column<int>(type: "integer", nullable: false),
                    provider_id = table.Column<long>(type: "bigint", nullable: false),
                    provider_service_id = table.Column<string>(type: "text", nullable: false),
                    enabled = table.Column<bool>(type: "boolean", nullable: false, defaultValue: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_service_routes", x => x.id);
                    table.CheckConstraint("ck_service_routes_position", "position >= 1");
                    table.ForeignKey(
                        name: "fk_service_routes_provider_id",
                        column: x => x.provider_id,
                        principalTable: "providers",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_service_routes_service_id",
                        column: x => x.service_id,
                        principalTable: "services",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_service_routes_provider_id",
                table: "service_routes",
                column: "provider_id");

            migrationBuilder.CreateIndex(
                name: "ux_service_routes_service_id_position",
                table: "service_routes",
                columns: new[] { "service_id", "position" },
                unique: true);

        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {

            migrationBuilder.DropTable(
                name: "currency_rates");

            migrationBuilder.DropTable(
                name: "service_routes");

            migrationBuilder.DropColumn(
                name: "provider_charge",
                table: "orders");

            migrationBuilder.DropColumn(
                name: "provider_currency",
                table: "orders");

            migrationBuilder.DropColumn(
                name: "route_pinned",
                table: "orders");

            migrationBuilder.DropColumn(
                name: "route_position",
                table: "orders");

            migrationBuilder.DropColumn(
                name: "route_refusing_since",
                table: "orders");
        }
    }
}
