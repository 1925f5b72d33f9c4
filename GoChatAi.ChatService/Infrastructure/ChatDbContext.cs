using GoChatAi.ChatService.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace GoChatAi.ChatService.Infrastructure;

public sealed class ChatDbContext(DbContextOptions<ChatDbContext> options) : DbContext(options)
{
    public DbSet<Conversation> Conversations => Set<Conversation>();

    public DbSet<Message> Messages => Set<Message>();

    public DbSet<UsageRecord> Usage => Set<UsageRecord>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Conversation>(conversation =>
        {
            conversation.ToTable("conversations");
            conversation.HasKey(c => c.Id);
            conversation.Property(c => c.Title).HasMaxLength(Conversation.MaxTitleLength);
            conversation.Property(c => c.SystemPrompt).HasMaxLength(Conversation.MaxSystemPromptLength);
            conversation.Property(c => c.Model).HasMaxLength(200);
            // A user's conversations, most recent activity first, ties by id.
            conversation.HasIndex(c => new { c.UserId, c.LastActivityAt, c.Id }).IsDescending(false, true, true);
            conversation.HasMany<Message>().WithOne().HasForeignKey(m => m.ConversationId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<Message>(message =>
        {
            message.ToTable("messages");
            message.HasKey(m => m.Id);
            message.Property(m => m.Position).UseIdentityAlwaysColumn();
            message.Property(m => m.Role).HasConversion<string>().HasMaxLength(16);
            message.Property(m => m.Status).HasConversion<string>().HasMaxLength(16);
            message.Property(m => m.FinishReason).HasConversion<string>().HasMaxLength(16);
            message.Property(m => m.Model).HasMaxLength(200);
            // History pages walk a conversation by position (keyset), however long it grows.
            message.HasIndex(m => new { m.ConversationId, m.Position }).IsUnique();
            message.HasIndex(m => m.GenerationId);
            // Answers still being generated, oldest first: where a replica that died left some behind.
            message.HasIndex(m => m.CreatedAt)
                .HasDatabaseName("IX_messages_generating")
                .HasFilter("\"Status\" = 'Generating'");
        });

        modelBuilder.Entity<UsageRecord>(usage =>
        {
            usage.ToTable("usage_ledger");
            usage.HasKey(u => u.Id);
            usage.Property(u => u.Id).UseIdentityAlwaysColumn();
            usage.Property(u => u.Model).HasMaxLength(200);
            // No foreign key to conversations: the ledger outlives them.
            usage.HasIndex(u => new { u.UserId, u.Day });
            usage.HasIndex(u => new { u.UserId, u.ConversationId, u.Day });
        });
    }
}

/// <summary>Lets <c>dotnet ef</c> build the model without starting the service; it never connects.</summary>
internal sealed class ChatDbContextDesignTimeFactory : IDesignTimeDbContextFactory<ChatDbContext>
{
    public ChatDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<ChatDbContext>().UseNpgsql("Host=localhost;Database=chatdb").Options);
}
