using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Core.ProtectedBranches;
using Portal.Core.PushMirrors;
using Portal.Core.Repositories;

namespace Portal.Core.Data.Configurations;

internal sealed class ProtectedBranchConfiguration : IEntityTypeConfiguration<ProtectedBranch>
{
    public void Configure(EntityTypeBuilder<ProtectedBranch> builder)
    {
        builder.Property(b => b.Pattern).HasMaxLength(BranchPattern.MaxLength).IsRequired();
        builder.Property(b => b.PushAccess).HasConversion<string>().HasMaxLength(16);
        builder.HasIndex(b => new { b.RepositoryId, b.Pattern }).IsUnique();
        builder.HasOne<Repository>().WithMany().HasForeignKey(b => b.RepositoryId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class PushMirrorConfiguration : IEntityTypeConfiguration<PushMirror>
{
    public void Configure(EntityTypeBuilder<PushMirror> builder)
    {
        builder.Property(m => m.Url).HasMaxLength(2048).IsRequired();
        builder.Property(m => m.AuthKind).HasConversion<string>().HasMaxLength(16);
        builder.Property(m => m.BranchFilter).HasMaxLength(Mirroring.BranchFilter.MaxRegexLength);
        builder.HasIndex(m => m.RepositoryId);
        builder.HasOne<Repository>().WithMany().HasForeignKey(m => m.RepositoryId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne(m => m.Credential).WithOne().HasForeignKey<PushMirrorCredential>(c => c.PushMirrorId).OnDelete(DeleteBehavior.Cascade);
        builder.Ignore(m => m.DivergedRefList);
    }
}

internal sealed class PushMirrorCredentialConfiguration : IEntityTypeConfiguration<PushMirrorCredential>
{
    public void Configure(EntityTypeBuilder<PushMirrorCredential> builder)
    {
        builder.HasKey(c => c.PushMirrorId);
        builder.Property(c => c.PushMirrorId).ValueGeneratedNever();
        builder.Property(c => c.Username).HasMaxLength(255);
    }
}
