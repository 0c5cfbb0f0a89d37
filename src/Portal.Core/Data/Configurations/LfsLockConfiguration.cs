using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Core.Lfs;
using Portal.Core.Repositories;

namespace Portal.Core.Data.Configurations;

internal sealed class LfsLockConfiguration : IEntityTypeConfiguration<LfsLock>
{
    public void Configure(EntityTypeBuilder<LfsLock> builder)
    {
        builder.HasKey(l => l.Id);
        builder.Property(l => l.Id).HasMaxLength(32);
        builder.Property(l => l.Path).HasMaxLength(LfsLockService.MaxPathLength);
        builder.Property(l => l.OwnerUserId).HasMaxLength(450);
        builder.Property(l => l.OwnerName).HasMaxLength(256);
        // One lock per path: the unique index settles two people locking the same file at once.
        builder.HasIndex(l => new { l.RepositoryId, l.Path }).IsUnique();
        builder.HasOne<Repository>().WithMany().HasForeignKey(l => l.RepositoryId).OnDelete(DeleteBehavior.Cascade);
    }
}
