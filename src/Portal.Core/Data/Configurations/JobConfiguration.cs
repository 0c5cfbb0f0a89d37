using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Core.Jobs;

namespace Portal.Core.Data.Configurations;

internal sealed class JobConfiguration : IEntityTypeConfiguration<Job>
{
    public void Configure(EntityTypeBuilder<Job> builder)
    {
        builder.Property(j => j.Kind).HasMaxLength(64).IsRequired();
        builder.Property(j => j.Status).HasConversion<string>().HasMaxLength(16);
        builder.Property(j => j.QueuedTrigger).HasConversion<string>().HasMaxLength(16);
        builder.Property(j => j.RerunTrigger).HasConversion<string>().HasMaxLength(16);
        builder.Property(j => j.LeaseOwner).HasMaxLength(256);
        // One job per kind and target: a target never runs twice at once.
        builder.HasIndex(j => new { j.Kind, j.TargetId }).IsUnique();
        // The claim: the oldest queued job of a kind, most urgent first. Priority descending in the index itself, so the
        // claim's ORDER BY reads the first entry instead of sorting every queued job of the kind (10,000 due at once).
        builder.HasIndex(j => new { j.Kind, j.Status, j.Priority, j.QueuedAt }).IsDescending(false, false, true, false);
        // The scheduler's one query: what is due. Indexed so a pass costs the same for 10 or 100,000 jobs.
        builder.HasIndex(j => j.DueAt);
        builder.HasIndex(j => j.LeaseExpiresAt);
    }
}
