using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Fulfillment.Data.Migrations
{
    /// <inheritdoc />
    public partial class Pricing : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<decimal>(
                name: "markup_applied",
                table: "services",
                type: "numeric(9,4)",
                nullable: true);

            migrationBuilder.AddColumn<decimal>(
                name: "markup_percent",
                table: "services",
                type: "numeric(9,4)",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "price_changes",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    service_id = table.Column<long>(type: "bigint", nullable: false),
                    provider_id = table.Column<long>(type: "bigint", nullable: true),
                    provider_service_id = table.Column<string>(type: "text", nullable: true),
                    old_upstream_rate = table.Column<decimal>(type: "numeric(20,6)", nullable: true),
                    new_upstream_rate = table.Column<decimal>(type: "numeric(20,6)", nullable: true),
                    old_rate = table.Column<decimal>(type: "numeric(20,6)", nullable: true),
                    new_rate = table.Column<decimal>(type: "numeric(20,6)", nullable: true),
                    status = table.Column<string>(type: "text", nullable: false, defaultValue: "observed"),
                    seen_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()"),
                    decided_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_price_changes", x => x.id);
                    table.CheckConstraint("ck_price_changes_status", "status IN ('observed', 'applied', 'held', 'approved', 'rejected', 'superseded')");
                    table.ForeignKey(
                        name: "fk_price_changes_provider_id",
                        column: x => x.provider_id,
                        principalTable: "providers",
                        principalColumn: "id",
                        onDelete: ReferentialAction.SetNull);
                    table.ForeignKey(
                        name: "fk_price_changes_service_id",
                        column: x => x.service_id,
                        principalTable: "services",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "service_stats",
                columns: table => new
                {
                    service_id = table.Column<long>(type: "bigint", nullable: false),
                    orders_counted = table.Column<int>(type: "integer", nullable: false),
                    avg_seconds = table.Column<decimal>(type: "numeric(20,3)", nullable: true),
                    p90_seconds = table.Column<decimal>(type: "numeric(20,3)", nullable: true),
                    avg_seconds_per_1000 = table.Column<decimal>(type: "numeric(20,3)", nullable: true),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()"),
                    last_finished_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_service_stats", x => x.service_id);
                    table.ForeignKey(
                        name: "fk_service_stats_service_id",
                        column: x => x.service_id,
                        principalTable: "services",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.AddCheckConstraint(
                name: "ck_services_markup_not_negative",
                table: "services",
                sql: "markup_percent IS NULL OR markup_percent >= 0");

            // Each service's latest delivered orders, for service_stats. IF NOT EXISTS: on a large panel a DBA may build it first with
            // CREATE INDEX CONCURRENTLY under this name (docs/operations.md, "Upgrading").
            migrationBuilder.Sql("""
                CREATE INDEX IF NOT EXISTS ix_orders_service_delivered ON orders (service_id, finished_at DESC)
                WHERE status IN ('completed', 'partial') AND parent_id IS NULL AND emulated_runs IS NULL AND charged_posts IS NULL;
                """);

            migrationBuilder.CreateIndex(
                name: "ix_price_changes_held",
                table: "price_changes",
                column: "service_id",
                filter: "status = 'held'");

            migrationBuilder.CreateIndex(
                name: "ix_price_changes_provider_id",
                table: "price_changes",
                column: "provider_id");

            migrationBuilder.CreateIndex(
                name: "ix_price_changes_service_id_id",
                table: "price_changes",
                columns: new[] { "service_id", "id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "price_changes");

            migrationBuilder.DropTable(
                name: "service_stats");

            migrationBuilder.DropCheckConstraint(
                name: "ck_services_markup_not_negative",
                table: "services");

            migrationBuilder.DropIndex(
                name: "ix_orders_service_delivered",
                table: "orders");

            migrationBuilder.DropColumn(
                name: "markup_applied",
                table: "services");

            migrationBuilder.DropColumn(
                name: "markup_percent",
                table: "services");
        }
    }
}
