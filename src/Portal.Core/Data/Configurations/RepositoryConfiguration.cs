using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Repositories;
using Portal.Core.Upstreams;

namespace Portal.Core.Data.Configurations;

internal sealed class RepositoryConfiguration : IEntityTypeConfiguration<Repository>
{
    public void Configure(EntityTypeBuilder<Repository> builder)
    {
        builder.Property(r => r.Name).HasMaxLength(RepositoryNamePolicy.MaxLength).IsRequired();
        builder.Property(r => r.NormalizedName).HasMaxLength(RepositoryNamePolicy.MaxLength).IsRequired();
        builder.Property(r => r.Description).HasMaxLength(2000).IsRequired();
        builder.Property(r => r.Visibility).HasConversion<string>().HasMaxLength(16);
        builder.Property(r => r.Mode).HasConversion<string>().HasMaxLength(16);
        builder.Property(r => r.DefaultBranch).HasMaxLength(255);
        builder.HasIndex(r => new { r.OwnerId, r.NormalizedName }).IsUnique();
        builder.HasOne(r => r.Owner).WithMany().HasForeignKey(r => r.OwnerId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne(r => r.Upstream).WithOne().HasForeignKey<UpstreamSource>(u => u.RepositoryId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne(r => r.Credential).WithOne().HasForeignKey<UpstreamCredential>(c => c.RepositoryId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class UpstreamSourceConfiguration : IEntityTypeConfiguration<UpstreamSource>
{
    public void Configure(EntityTypeBuilder<UpstreamSource> builder)
    {
        builder.HasKey(u => u.RepositoryId);
        builder.Property(u => u.RepositoryId).ValueGeneratedNever();
        builder.Property(u => u.Url).HasMaxLength(2048).IsRequired();
        builder.Property(u => u.LfsUrl).HasMaxLength(2048);
        builder.Property(u => u.AuthKind).HasConversion<string>().HasMaxLength(16);
        builder.Property(u => u.BranchFilter).HasMaxLength(Mirroring.BranchFilter.MaxRegexLength);
    }
}

internal sealed class UpstreamCredentialConfiguration : IEntityTypeConfiguration<UpstreamCredential>
{
    public void Configure(EntityTypeBuilder<UpstreamCredential> builder)
    {
        builder.HasKey(c => c.RepositoryId);
        builder.Property(c => c.RepositoryId).ValueGeneratedNever();
        builder.Property(c => c.Username).HasMaxLength(255);
    }
}

internal sealed class RepositoryEventConfiguration : IEntityTypeConfiguration<RepositoryEvent>
{
    public void Configure(EntityTypeBuilder<RepositoryEvent> builder)
    {
        builder.Property(e => e.Kind).HasConversion<string>().HasMaxLength(16);
        builder.Property(e => e.Trigger).HasConversion<string>().HasMaxLength(16);
        builder.Property(e => e.Outcome).HasConversion<string>().HasMaxLength(16);
        builder.HasIndex(e => new { e.RepositoryId, e.StartedAt });
        builder.HasOne<Repository>().WithMany().HasForeignKey(e => e.RepositoryId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(e => e.RefChanges).WithOne().HasForeignKey(c => c.EventId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class RefChangeConfiguration : IEntityTypeConfiguration<RefChange>
{
    public void Configure(EntityTypeBuilder<RefChange> builder)
    {
        builder.Property(c => c.RefName).HasMaxLength(1024).IsRequired();
        builder.Property(c => c.OldSha).HasMaxLength(64);
        builder.Property(c => c.NewSha).HasMaxLength(64);
        builder.Property(c => c.Kind).HasConversion<string>().HasMaxLength(16);
    }
}

internal sealed class PendingDeployKeyConfiguration : IEntityTypeConfiguration<PendingDeployKey>
{
    public void Configure(EntityTypeBuilder<PendingDeployKey> builder)
    {
        builder.Property(k => k.Id).HasMaxLength(32);
        builder.Property(k => k.ProtectedPrivateKey).IsRequired();
        builder.Property(k => k.PublicKey).IsRequired();
        builder.HasIndex(k => k.UserId);
        builder.HasOne<Accounts.PortalUser>().WithMany().HasForeignKey(k => k.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class StorageUsageConfiguration : IEntityTypeConfiguration<Storage.StorageUsage>
{
    public void Configure(EntityTypeBuilder<Storage.StorageUsage> builder)
    {
        builder.HasKey(u => u.RepositoryId);
        builder.Property(u => u.RepositoryId).ValueGeneratedNever();
        builder.HasOne<Repository>().WithOne().HasForeignKey<Storage.StorageUsage>(u => u.RepositoryId).OnDelete(DeleteBehavior.Cascade);
    }
}
