using GoChatAi.AuthService.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace GoChatAi.AuthService.Infrastructure;

public sealed class AuthDbContext(DbContextOptions<AuthDbContext> options) : DbContext(options)
{
    public DbSet<User> Users => Set<User>();

    public DbSet<RefreshTokenFamily> RefreshTokenFamilies => Set<RefreshTokenFamily>();

    public DbSet<RefreshToken> RefreshTokens => Set<RefreshToken>();

    public DbSet<SigningKey> SigningKeys => Set<SigningKey>();

    public DbSet<SecurityEvent> SecurityEvents => Set<SecurityEvent>();

    public DbSet<RevocationRecord> TokenRevocations => Set<RevocationRecord>();

    public DbSet<DeletedUser> DeletedUsers => Set<DeletedUser>();

    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<User>(user =>
        {
            user.ToTable("users");
            user.HasKey(u => u.Id);
            user.Property(u => u.Email).HasMaxLength(EmailAddress.MaxLength);
            user.Property(u => u.NormalizedEmail).HasMaxLength(EmailAddress.MaxLength);
            // One account per address, even when two sign-ups race.
            user.HasIndex(u => u.NormalizedEmail).IsUnique();
            user.Property(u => u.Name).HasMaxLength(100);
            user.Property(u => u.PasswordHash).HasMaxLength(512);
            user.Ignore(u => u.IsAdmin);
            // ListUsers pages in a stable order.
            user.HasIndex(u => new { u.CreatedAt, u.Id });
        });

        modelBuilder.Entity<RefreshTokenFamily>(family =>
        {
            family.ToTable("refresh_token_families");
            family.HasKey(f => f.Id);
            family.HasIndex(f => f.UserId);
            family.HasOne<User>().WithMany().HasForeignKey(f => f.UserId).OnDelete(DeleteBehavior.Cascade);
            family.Property(f => f.RevokedReason).HasMaxLength(64);
        });

        modelBuilder.Entity<RefreshToken>(token =>
        {
            token.ToTable("refresh_tokens");
            token.HasKey(t => t.Id);
            token.HasIndex(t => t.TokenHash).IsUnique();
            token.HasIndex(t => t.FamilyId);
            token.HasOne<RefreshTokenFamily>().WithMany().HasForeignKey(t => t.FamilyId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<SigningKey>(key =>
        {
            key.ToTable("signing_keys");
            key.HasKey(k => k.Id);
            key.Property(k => k.Id).HasMaxLength(64);
        });

        modelBuilder.Entity<SecurityEvent>(securityEvent =>
        {
            securityEvent.ToTable("security_events");
            securityEvent.HasKey(e => e.Id);
            securityEvent.Property(e => e.Type).HasMaxLength(64);
            securityEvent.Property(e => e.ClientAddress).HasMaxLength(64);
            securityEvent.Property(e => e.Detail).HasMaxLength(256);
            securityEvent.HasIndex(e => new { e.UserId, e.OccurredAt });
        });

        modelBuilder.Entity<RevocationRecord>(revocation =>
        {
            revocation.ToTable("token_revocations");
            revocation.HasKey(r => r.Id);
            revocation.Property(r => r.Id).UseIdentityAlwaysColumn();
            // Not unique: revoking a token twice (RFC 7009 allows it) adds a second, identical entry, which is harmless.
            revocation.Property(r => r.Key).HasMaxLength(128);
            revocation.Property(r => r.Value).HasMaxLength(32);
            // Rebuilds read, and pruning deletes, by expiry.
            revocation.HasIndex(r => r.KeepUntil);
        });

        modelBuilder.Entity<ApiKey>(key =>
        {
            key.ToTable("api_keys");
            key.HasKey(k => k.Id);
            key.HasIndex(k => k.SecretHash).IsUnique();
            // Listing and counting a user's keys; keys go with their user.
            key.HasIndex(k => new { k.UserId, k.CreatedAt });
            key.HasOne<User>().WithMany().HasForeignKey(k => k.UserId).OnDelete(DeleteBehavior.Cascade);
            key.Property(k => k.Name).HasMaxLength(ApiKey.MaxNameLength);
            key.Property(k => k.Prefix).HasMaxLength(ApiKey.VisiblePrefixLength);
        });

        modelBuilder.Entity<DeletedUser>(deleted =>
        {
            deleted.ToTable("deleted_users");
            // No foreign key: the user's row is gone, this one outlives it.
            deleted.HasKey(d => d.UserId);
            deleted.HasIndex(d => d.DeletedAt);
        });
    }
}

/// <summary>Lets <c>dotnet ef</c> build the model without starting the service; it never connects.</summary>
internal sealed class AuthDbContextDesignTimeFactory : IDesignTimeDbContextFactory<AuthDbContext>
{
    public AuthDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<AuthDbContext>().UseNpgsql("Host=localhost;Database=authdb").Options);
}
