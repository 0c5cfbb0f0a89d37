using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Core.Accounts;

namespace Portal.Core.Data.Configurations;

internal sealed class PortalUserConfiguration : IEntityTypeConfiguration<PortalUser>
{
    public void Configure(EntityTypeBuilder<PortalUser> builder)
    {
        builder.HasOne(u => u.Owner).WithOne().HasForeignKey<PortalUser>(u => u.OwnerId).OnDelete(DeleteBehavior.Restrict);
    }
}
