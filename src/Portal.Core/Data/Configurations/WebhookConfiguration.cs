using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Core.Mirroring;
using Portal.Core.Organizations;
using Portal.Core.Repositories;
using Portal.Core.Webhooks;

namespace Portal.Core.Data.Configurations;

internal sealed class UpstreamWebhookConfiguration : IEntityTypeConfiguration<UpstreamWebhook>
{
    public void Configure(EntityTypeBuilder<UpstreamWebhook> builder)
    {
        builder.HasKey(w => w.RepositoryId);
        builder.Property(w => w.RepositoryId).ValueGeneratedNever();
        builder.Property(w => w.ProtectedSecret).IsRequired();
        builder.HasOne<Repository>().WithOne().HasForeignKey<UpstreamWebhook>(w => w.RepositoryId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class WebhookSubscriptionConfiguration : IEntityTypeConfiguration<WebhookSubscription>
{
    public void Configure(EntityTypeBuilder<WebhookSubscription> builder)
    {
        builder.Property(s => s.Url).HasMaxLength(WebhookTargetPolicy.MaxUrlLength).IsRequired();
        builder.Property(s => s.ProtectedSecret).IsRequired();
        builder.Property(s => s.Events).HasMaxLength(512).IsRequired();
        builder.Ignore(s => s.EventNames);
        builder.HasOne<Repository>().WithMany().HasForeignKey(s => s.RepositoryId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Organization>().WithMany().HasForeignKey(s => s.OrganizationId).OnDelete(DeleteBehavior.Cascade);
        builder.ToTable(t => t.HasCheckConstraint("CK_WebhookSubscriptions_OneScope", "(\"RepositoryId\" IS NULL) <> (\"OrganizationId\" IS NULL)"));
    }
}

internal sealed class WebhookDeliveryConfiguration : IEntityTypeConfiguration<WebhookDelivery>
{
    public void Configure(EntityTypeBuilder<WebhookDelivery> builder)
    {
        builder.Property(d => d.Guid).HasMaxLength(36).IsRequired();
        builder.Property(d => d.Event).HasMaxLength(64).IsRequired();
        builder.Property(d => d.RequestBody).IsRequired();
        builder.HasOne(d => d.Subscription).WithMany().HasForeignKey(d => d.SubscriptionId).OnDelete(DeleteBehavior.Cascade);
    }
}
