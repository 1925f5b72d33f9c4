using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GoChatAi.ChatService.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class ConversationTrees : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_messages_ConversationId_Position",
                table: "messages");

            migrationBuilder.AddColumn<Guid>(
                name: "BranchId",
                table: "messages",
                type: "uuid",
                nullable: false,
                defaultValue: new Guid("00000000-0000-0000-0000-000000000000"));

            migrationBuilder.AddColumn<int>(
                name: "Depth",
                table: "messages",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<Guid>(
                name: "ParentId",
                table: "messages",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "ActiveLeafId",
                table: "conversations",
                type: "uuid",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "branches",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    ConversationId = table.Column<Guid>(type: "uuid", nullable: false),
                    ParentBranchId = table.Column<Guid>(type: "uuid", nullable: true),
                    ForkDepth = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_branches", x => x.Id);
                    table.ForeignKey(
                        name: "FK_branches_conversations_ConversationId",
                        column: x => x.ConversationId,
                        principalTable: "conversations",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            // A conversation made before trees becomes one branch: each message follows the one stored before it, the
            // newest is the active leaf. Nothing is lost, and its history reads as it did.
            migrationBuilder.Sql("""
                WITH line AS (
                    SELECT "Id", LAG("Id") OVER w AS parent, FIRST_VALUE("Id") OVER w AS first, (ROW_NUMBER() OVER w - 1)::int AS depth
                    FROM messages WINDOW w AS (PARTITION BY "ConversationId" ORDER BY "Position"))
                UPDATE messages m SET "ParentId" = line.parent, "BranchId" = line.first, "Depth" = line.depth
                FROM line WHERE m."Id" = line."Id";

                INSERT INTO branches ("Id", "ConversationId", "ParentBranchId", "ForkDepth")
                SELECT "Id", "ConversationId", NULL, -1 FROM messages WHERE "Depth" = 0;

                UPDATE conversations c SET "ActiveLeafId" = newest."Id"
                FROM (SELECT DISTINCT ON ("ConversationId") "ConversationId", "Id" FROM messages ORDER BY "ConversationId", "Position" DESC) newest
                WHERE c."Id" = newest."ConversationId";

                -- The defaults only filled the rows above: every message is stored with its place from now on.
                ALTER TABLE messages ALTER COLUMN "BranchId" DROP DEFAULT, ALTER COLUMN "Depth" DROP DEFAULT;
                """);

            migrationBuilder.CreateIndex(
                name: "IX_messages_BranchId_Depth",
                table: "messages",
                columns: new[] { "BranchId", "Depth" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_messages_ConversationId_ParentId_Position",
                table: "messages",
                columns: new[] { "ConversationId", "ParentId", "Position" });

            migrationBuilder.CreateIndex(
                name: "IX_branches_ConversationId",
                table: "branches",
                column: "ConversationId");

            migrationBuilder.CreateIndex(
                name: "IX_branches_ParentBranchId_ForkDepth",
                table: "branches",
                columns: new[] { "ParentBranchId", "ForkDepth" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "branches");

            migrationBuilder.DropIndex(
                name: "IX_messages_BranchId_Depth",
                table: "messages");

            migrationBuilder.DropIndex(
                name: "IX_messages_ConversationId_ParentId_Position",
                table: "messages");

            migrationBuilder.DropColumn(
                name: "BranchId",
                table: "messages");

            migrationBuilder.DropColumn(
                name: "Depth",
                table: "messages");

            migrationBuilder.DropColumn(
                name: "ParentId",
                table: "messages");

            migrationBuilder.DropColumn(
                name: "ActiveLeafId",
                table: "conversations");

            migrationBuilder.CreateIndex(
                name: "IX_messages_ConversationId_Position",
                table: "messages",
                columns: new[] { "ConversationId", "Position" },
                unique: true);
        }
    }
}
