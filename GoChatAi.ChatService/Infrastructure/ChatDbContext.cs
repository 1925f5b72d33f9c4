using GoChatAi.ChatService.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace GoChatAi.ChatService.Infrastructure;

public sealed class ChatDbContext(DbContextOptions<ChatDbContext> options) : DbContext(options)
{
    public DbSet<Conversation> Conversations => Set<Conversation>();

    public DbSet<Message> Messages => Set<Message>();

    public DbSet<UsageRecord> Usage => Set<UsageRecord>();

    public DbSet<ShareLink> ShareLinks => Set<ShareLink>();

    /// <summary>The messages' column that says which <see cref="Branch"/> a message is on (not part of the domain).</summary>
    public const string BranchColumn = "BranchId";

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        // Full-text search (migration ConversationSearch) keeps, outside this model, because only the search's SQL
        // and the inserts' SQL touch them: messages."UserId" (the owner, so that one GIN index finds a user's matches
        // without visiting anybody else's), messages."SearchVector" and conversations."TitleSearch" (generated
        // tsvector columns), and GIN indexes on ("UserId", the vector) through btree_gin.
        modelBuilder.HasPostgresExtension("btree_gin");

        modelBuilder.Entity<Conversation>(conversation =>
        {
            conversation.ToTable("conversations");
            conversation.HasKey(c => c.Id);
            conversation.Property(c => c.Title).HasMaxLength(Conversation.MaxTitleLength);
            conversation.Property(c => c.SystemPrompt).HasMaxLength(Conversation.MaxSystemPromptLength);
            conversation.Property(c => c.Model).HasMaxLength(200);
            // A user's conversations (archived or not), most recent activity first, ties by id.
            conversation.HasIndex(c => new { c.UserId, c.IsArchived, c.LastActivityAt, c.Id }).IsDescending(false, false, true, true);
            conversation.Property(c => c.ImportedFrom).HasMaxLength(Conversation.MaxImportedFromLength);
            // One conversation per imported source and user: importing a file twice creates nothing new.
            conversation.HasIndex(c => new { c.UserId, c.ImportedFrom }).IsUnique().HasFilter("\"ImportedFrom\" IS NOT NULL");
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
            message.Ignore(m => m.IsPlaced);
            message.Property<Guid>(BranchColumn);
            // A path is read as runs of its branches, each a range of depths: a page costs the same however many
            // branches leave the path.
            message.HasIndex(BranchColumn, nameof(Message.Depth)).IsUnique();
            // A message's siblings, oldest first (the first messages of a conversation have no parent); also the
            // index that deleting a conversation's messages uses.
            message.HasIndex(m => new { m.ConversationId, m.ParentId, m.Position });
            message.HasIndex(m => m.GenerationId);
            // Answers still being generated, oldest first: where a replica that died left some behind.
            message.HasIndex(m => m.CreatedAt)
                .HasDatabaseName("IX_messages_generating")
                .HasFilter("\"Status\" = 'Generating'");
        });

        modelBuilder.Entity<Branch>(branch =>
        {
            branch.ToTable("branches");
            branch.HasKey(b => b.Id);
            branch.HasOne<Conversation>().WithMany().HasForeignKey(b => b.ConversationId).OnDelete(DeleteBehavior.Cascade);
            // The branches that leave a branch at or below a depth: those under a message.
            branch.HasIndex(b => new { b.ParentBranchId, b.ForkDepth });
        });

        modelBuilder.Entity<ShareLink>(link =>
        {
            link.ToTable("share_links");
            link.HasKey(l => l.Id);
            link.Property(l => l.Id).HasMaxLength(ShareLink.IdLength);
            link.Property(l => l.Title).HasMaxLength(Conversation.MaxTitleLength);
            // Deleting the conversation ends its links at once.
            link.HasOne<Conversation>().WithMany().HasForeignKey(l => l.ConversationId).OnDelete(DeleteBehavior.Cascade);
            // A user's links, newest first (ListShareLinks).
            link.HasIndex(l => new { l.UserId, l.CreatedAt }).IsDescending(false, true);
            link.HasIndex(l => l.ConversationId);
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
