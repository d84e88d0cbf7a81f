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

            migrationBuilder.Sql(EmbeddedSql.Read("Subscriptions.up.sql"));
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(EmbeddedSql.Read("Subscriptions.down.sql"));

            migrationBuilder.DropColumn(
                name: "charged_posts",
                table: "orders");

            migrationBuilder.DropColumn(
                name: "posts_served",
                table: "orders");
        }
    }
}
