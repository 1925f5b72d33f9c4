using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GoChatAi.ChatService.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class PinnedAndArchivedConversations : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_conversations_UserId_LastActivityAt_Id",
                table: "conversations");

            migrationBuilder.AddColumn<bool>(
                name: "IsArchived",
                table: "conversations",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<bool>(
                name: "IsPinned",
                table: "conversations",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.CreateIndex(
                name: "IX_conversations_UserId_IsArchived_LastActivityAt_Id",
                table: "conversations",
                columns: new[] { "UserId", "IsArchived", "LastActivityAt", "Id" },
                descending: new[] { false, false, true, true });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_conversations_UserId_IsArchived_LastActivityAt_Id",
                table: "conversations");

            migrationBuilder.DropColumn(
                name: "IsArchived",
                table: "conversations");

            migrationBuilder.DropColumn(
                name: "IsPinned",
                table: "conversations");

            migrationBuilder.CreateIndex(
                name: "IX_conversations_UserId_LastActivityAt_Id",
                table: "conversations",
                columns: new[] { "UserId", "LastActivityAt", "Id" },
                descending: new[] { false, true, true });
        }
    }
}
