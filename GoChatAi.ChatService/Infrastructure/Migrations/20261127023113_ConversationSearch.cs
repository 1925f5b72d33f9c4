using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GoChatAi.ChatService.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class ConversationSearch : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterDatabase()
                .Annotation("Npgsql:PostgresExtension:btree_gin", ",,");

            // The owner on every message, so that the search index holds (user, word) and finds one user's matches
            // without visiting anybody else's. Written by the inserts' SQL, never by EF Core (see ChatDbContext).
            migrationBuilder.Sql("""
                ALTER TABLE messages ADD COLUMN "UserId" uuid;
                UPDATE messages m SET "UserId" = c."UserId" FROM conversations c WHERE c."Id" = m."ConversationId";
                ALTER TABLE messages ALTER COLUMN "UserId" SET NOT NULL;
                """);

            // English stemming ("run" finds "running"), kept with the row so that ranking never parses text again.
            migrationBuilder.Sql("""
                ALTER TABLE messages ADD COLUMN "SearchVector" tsvector
                    GENERATED ALWAYS AS (to_tsvector('english'::regconfig, "Content")) STORED;
                ALTER TABLE conversations ADD COLUMN "TitleSearch" tsvector
                    GENERATED ALWAYS AS (to_tsvector('english'::regconfig, COALESCE("Title", ''))) STORED;
                CREATE INDEX "IX_messages_UserId_SearchVector" ON messages USING GIN ("UserId", "SearchVector");
                CREATE INDEX "IX_conversations_UserId_TitleSearch" ON conversations USING GIN ("UserId", "TitleSearch");
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP INDEX "IX_conversations_UserId_TitleSearch";
                DROP INDEX "IX_messages_UserId_SearchVector";
                ALTER TABLE conversations DROP COLUMN "TitleSearch";
                ALTER TABLE messages DROP COLUMN "SearchVector";
                ALTER TABLE messages DROP COLUMN "UserId";
                """);

            migrationBuilder.AlterDatabase()
                .OldAnnotation("Npgsql:PostgresExtension:btree_gin", ",,");
        }
    }
}
