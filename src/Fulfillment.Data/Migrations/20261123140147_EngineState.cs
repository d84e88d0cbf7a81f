using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Fulfillment.Data.Migrations
{
    /// <inheritdoc />
    public partial class EngineState : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "inactive_notice_at",
                table: "users",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<decimal>(
                name: "upstream_rate",
                table: "services",
                type: "numeric(20,6)",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "last_error",
                table: "providers",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "paused_reason",
                table: "providers",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "anonymized_at",
                table: "orders",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "link_key",
                table: "orders",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "next_check_at",
                table: "orders",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "attempts",
                table: "order_requests",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "next_attempt_at",
                table: "order_requests",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "provider_services",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    provider_id = table.Column<long>(type: "bigint", nullable: false),
                    service = table.Column<string>(type: "text", nullable: false),
                    name = table.Column<string>(type: "text", nullable: false),
                    type = table.Column<string>(type: "text", nullable: true),
                    category = table.Column<string>(type: "text", nullable: true),
                    rate = table.Column<decimal>(type: "numeric(20,6)", nullable: true),
                    min = table.Column<int>(type: "integer", nullable: true),
                    max = table.Column<int>(type: "integer", nullable: true),
                    refill = table.Column<bool>(type: "boolean", nullable: false),
                    cancel = table.Column<bool>(type: "boolean", nullable: false),
                    dripfeed = table.Column<bool>(type: "boolean", nullable: false),
                    seen_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_provider_services", x => x.id);
                    table.ForeignKey(
                        name: "fk_provider_services_provider_id",
                        column: x => x.provider_id,
                        principalTable: "providers",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_orders_active_link",
                table: "orders",
                column: "link_key",
                filter: "status IN ('pending', 'held', 'dispatching', 'in_progress')");

            migrationBuilder.CreateIndex(
                name: "ix_orders_tracking",
                table: "orders",
                column: "next_check_at",
                filter: "status = 'in_progress'");

            migrationBuilder.CreateIndex(
                name: "ux_provider_services_provider_id_service",
                table: "provider_services",
                columns: new[] { "provider_id", "service" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "provider_services");

            migrationBuilder.DropIndex(
                name: "ix_orders_active_link",
                table: "orders");

            migrationBuilder.DropIndex(
                name: "ix_orders_tracking",
                table: "orders");

            migrationBuilder.DropColumn(
                name: "inactive_notice_at",
                table: "users");

            migrationBuilder.DropColumn(
                name: "upstream_rate",
                table: "services");

            migrationBuilder.DropColumn(
                name: "last_error",
                table: "providers");

            migrationBuilder.DropColumn(
                name: "paused_reason",
                table: "providers");

            migrationBuilder.DropColumn(
                name: "anonymized_at",
                table: "orders");

            migrationBuilder.DropColumn(
                name: "link_key",
                table: "orders");

            migrationBuilder.DropColumn(
                name: "next_check_at",
                table: "orders");

            migrationBuilder.DropColumn(
                name: "attempts",
                table: "order_requests");

            migrationBuilder.DropColumn(
                name: "next_attempt_at",
                table: "order_requests");
        }
    }
}
