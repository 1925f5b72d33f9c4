using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GoChatAi.ChatService.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class MessageTokenCountsAndGeneratingAnswers : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "TokenCount",
                table: "messages",
                type: "integer",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_messages_generating",
                table: "messages",
                column: "CreatedAt",
                filter: "\"Status\" = 'Generating'");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_messages_generating",
                table: "messages");

            migrationBuilder.DropColumn(
                name: "TokenCount",
                table: "messages");
        }
    }
}
