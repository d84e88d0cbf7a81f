using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Fulfillment.Data.Migrations
{
    /// <inheritdoc />
    public partial class SendAttempts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "reason",
                table: "order_requests",
                type: "text",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "fulfillment_settings",
                columns: table => new
                {
                    name = table.Column<string>(type: "text", nullable: false),
                    value = table.Column<string>(type: "text", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()")
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_fulfillment_settings", x => x.name);
                });

            migrationBuilder.CreateTable(
                name: "order_attempts",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    order_id = table.Column<long>(type: "bigint", nullable: false),
                    provider_id = table.Column<long>(type: "bigint", nullable: true),
                    provider_service_id = table.Column<string>(type: "text", nullable: true),
                    route_position = table.Column<int>(type: "integer", nullable: false),
                    upstream_rate = table.Column<decimal>(type: "numeric(20,6)", nullable: true),
                    sent_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    outcome = table.Column<string>(type: "text", nullable: false, defaultValue: "sending"),
                    provider_order_id = table.Column<string>(type: "text", nullable: true),
                    answered_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    error = table.Column<string>(type: "text", nullable: true),
                    instance = table.Column<Guid>(type: "uuid", nullable: true),
                    refusal = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_order_attempts", x => x.id);
                    table.CheckConstraint("ck_order_attempts_outcome", "outcome IN ('sending', 'accepted', 'refused', 'unknown', 'settled')");
                    table.ForeignKey(
                        name: "fk_order_attempts_order_id",
                        column: x => x.order_id,
                        principalTable: "orders",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_order_attempts_provider_id",
                        column: x => x.provider_id,
                        principalTable: "providers",
                        principalColumn: "id",
                        onDelete: ReferentialAction.SetNull);
                });

            migrationBuilder.CreateIndex(
                name: "ix_order_attempts_order_id_id",
                table: "order_attempts",
                columns: new[] { "order_id", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_order_attempts_provider_id",
                table: "order_attempts",
                column: "provider_id");

            migrationBuilder.CreateIndex(
                name: "ux_order_attempts_one_sending",
                table: "order_attempts",
                column: "order_id",
                unique: true,
                filter: "outcome = 'sending'");

            // Orders already on their way get the attempts today's columns imply, so an upgrade in flight never sends twice:
            // an add marked sending may be out; an order tracked or in review with an id was accepted; one in review after a
            // lost answer, or pending after one that was resent as configured, may be held by its provider; a route that has
            // refused an order for now goes on counting towards failover from when it began. Emulated drip-feed parents are
            // never sent: they get none, and hold no link key.
            migrationBuilder.Sql("""
                INSERT INTO order_attempts (order_id, provider_id, provider_service_id, route_position, sent_at, outcome, instance)
                SELECT o.id, r.provider_id, r.provider_service_id, r.route_position, o.sending_at, 'sending', o.claimed_by
                FROM orders o CROSS JOIN LATERAL (
                    SELECT o.provider_id, o.route_position, CASE WHEN o.route_position = 0 THEN s.provider_service_id ELSE sr.provider_service_id END AS provider_service_id
                    FROM services s LEFT JOIN service_routes sr ON sr.service_id = s.id AND sr.position = o.route_position
                    WHERE s.id = o.service_id) r
                WHERE o.status = 'dispatching' AND o.sending_at IS NOT NULL AND o.emulated_runs IS NULL;

                INSERT INTO order_attempts (order_id, provider_id, provider_service_id, route_position, sent_at, outcome, provider_order_id, answered_at)
                SELECT o.id, r.provider_id, r.provider_service_id, r.route_position, coalesce(o.dispatched_at, o.updated_at), 'accepted',
                       o.provider_order_id, coalesce(o.dispatched_at, o.updated_at)
                FROM orders o CROSS JOIN LATERAL (
                    SELECT o.provider_id, o.route_position, CASE WHEN o.route_position = 0 THEN s.provider_service_id ELSE sr.provider_service_id END AS provider_service_id
                    FROM services s LEFT JOIN service_routes sr ON sr.service_id = s.id AND sr.position = o.route_position
                    WHERE s.id = o.service_id) r
                WHERE o.status IN ('in_progress', 'review') AND o.provider_order_id IS NOT NULL AND o.emulated_runs IS NULL;

                INSERT INTO order_attempts (order_id, provider_id, provider_service_id, route_position, sent_at, outcome, answered_at, error)
                SELECT o.id, r.provider_id, r.provider_service_id, r.route_position, o.updated_at,
                       CASE WHEN EXISTS (SELECT 1 FROM order_events e WHERE e.order_id = o.id AND e.kind = 'accepted_unusable') THEN 'accepted' ELSE 'unknown' END,
                       o.updated_at, o.error
                FROM orders o CROSS JOIN LATERAL (
                    SELECT o.provider_id, o.route_position, CASE WHEN o.route_position = 0 THEN s.provider_service_id ELSE sr.provider_service_id END AS provider_service_id
                    FROM services s LEFT JOIN service_routes sr ON sr.service_id = s.id AND sr.position = o.route_position
                    WHERE s.id = o.service_id) r
                WHERE o.status = 'review' AND o.provider_order_id IS NULL AND o.emulated_runs IS NULL
                  AND (SELECT e.detail ->> 'from' FROM order_events e WHERE e.order_id = o.id AND e.kind IN ('review', 'accepted_unusable')
                       ORDER BY e.id DESC LIMIT 1) = 'dispatching';

                INSERT INTO order_attempts (order_id, provider_id, provider_service_id, route_position, sent_at, outcome, answered_at, error, refusal)
                SELECT o.id, r.provider_id, r.provider_service_id, r.route_position, coalesce(o.route_refusing_since, o.updated_at),
                       CASE WHEN o.route_pinned THEN 'unknown' ELSE 'refused' END, coalesce(o.route_refusing_since, o.updated_at), o.error,
                       CASE WHEN o.route_pinned THEN NULL ELSE 'temporary:other' END
                FROM orders o CROSS JOIN LATERAL (
                    SELECT o.provider_id, o.route_position, CASE WHEN o.route_position = 0 THEN s.provider_service_id ELSE sr.provider_service_id END AS provider_service_id
                    FROM services s LEFT JOIN service_routes sr ON sr.service_id = s.id AND sr.position = o.route_position
                    WHERE s.id = o.service_id) r
                WHERE o.status IN ('pending', 'held') AND (o.route_pinned OR o.route_refusing_since IS NOT NULL) AND o.emulated_runs IS NULL;

                UPDATE orders SET link_key = NULL WHERE emulated_runs IS NOT NULL AND link_key IS NOT NULL;
                """);

            migrationBuilder.DropColumn(
                name: "route_pinned",
                table: "orders");

            migrationBuilder.DropColumn(
                name: "route_refusing_since",
                table: "orders");

            migrationBuilder.DropColumn(
                name: "sending_at",
                table: "orders");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "fulfillment_settings");

            migrationBuilder.DropTable(
                name: "order_attempts");

            migrationBuilder.DropColumn(
                name: "reason",
                table: "order_requests");

            migrationBuilder.AddColumn<bool>(
                name: "route_pinned",
                table: "orders",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "route_refusing_since",
                table: "orders",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "sending_at",
                table: "orders",
                type: "timestamp with time zone",
                nullable: true);
        }
    }
}
