using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Core.Accounts;

namespace Portal.Core.Data.Configurations;

internal sealed class OwnerConfiguration : IEntityTypeConfiguration<Owner>
{
    public void Configure(EntityTypeBuilder<Owner> builder)
    {
        builder.Property(o => o.Name).HasMaxLength(OwnerNamePolicy.MaxLength).IsRequired();
        builder.Property(o => o.Slug).HasMaxLength(OwnerNamePolicy.MaxLength).IsRequired();
        builder.Property(o => o.Kind).HasConversion<string>().HasMaxLength(16);
        builder.HasIndex(o => o.Slug).IsUnique();
    }
}
