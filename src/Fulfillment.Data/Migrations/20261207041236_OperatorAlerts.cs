using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Fulfillment.Data.Migrations
{
    /// <inheritdoc />
    public partial class OperatorAlerts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<decimal>(
                name: "alert_balance",
                table: "providers",
                type: "numeric(20,6)",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "operator_alerts",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    kind = table.Column<string>(type: "text", nullable: false),
                    subject_type = table.Column<string>(type: "text", nullable: false),
                    subject_id = table.Column<string>(type: "text", nullable: false),
                    message = table.Column<string>(type: "text", nullable: false),
                    detail = table.Column<string>(type: "jsonb", nullable: false, defaultValueSql: "'{}'::jsonb"),
                    raised_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()"),
                    cleared_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    acknowledged_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_operator_alerts", x => x.id);
                    table.CheckConstraint("ck_operator_alerts_kind", "kind IN ('provider_balance_low', 'provider_unreachable', 'provider_auth_failed', 'route_quarantined', 'orders_stuck', 'balance_mismatch', 'cost_mismatch', 'service_list_suspect', 'price_change_held')");
                    table.CheckConstraint("ck_operator_alerts_subject_type", "subject_type IN ('provider', 'route', 'service', 'user', 'engine')");
                });

            migrationBuilder.CreateTable(
                name: "route_quarantines",
                columns: table => new
                {
                    provider_id = table.Column<long>(type: "bigint", nullable: false),
                    service = table.Column<string>(type: "text", nullable: false),
                    quarantined_until = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    reason = table.Column<string>(type: "text", nullable: false),
                    level = table.Column<int>(type: "integer", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()")
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_route_quarantines", x => new { x.provider_id, x.service });
                    table.ForeignKey(
                        name: "fk_route_quarantines_provider_id",
                        column: x => x.provider_id,
                        principalTable: "providers",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_order_attempts_sent_at",
                table: "order_attempts",
                column: "sent_at");

            migrationBuilder.CreateIndex(
                name: "ix_operator_alerts_raised_at",
                table: "operator_alerts",
                column: "raised_at");

            migrationBuilder.CreateIndex(
                name: "ux_operator_alerts_one_open",
                table: "operator_alerts",
                columns: new[] { "kind", "subject_type", "subject_id" },
                unique: true,
                filter: "cleared_at IS NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "operator_alerts");

            migrationBuilder.DropTable(
                name: "route_quarantines");

            migrationBuilder.DropIndex(
                name: "ix_order_attempts_sent_at",
                table: "order_attempts");

            migrationBuilder.DropColumn(
                name: "alert_balance",
                table: "providers");
        }
    }
}
