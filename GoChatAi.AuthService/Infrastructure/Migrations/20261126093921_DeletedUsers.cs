using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GoChatAi.AuthService.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class DeletedUsers : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "deleted_users",
                columns: table => new
                {
                    UserId = table.Column<Guid>(type: "uuid", nullable: false),
                    DeletedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_deleted_users", x => x.UserId);
                });

            migrationBuilder.CreateIndex(
                name: "IX_deleted_users_DeletedAt",
                table: "deleted_users",
                column: "DeletedAt");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "deleted_users");
        }
    }
}
