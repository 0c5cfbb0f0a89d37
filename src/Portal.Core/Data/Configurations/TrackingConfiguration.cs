using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Experiments;
using Portal.Core.ExternalRemotes;
using Portal.Core.Repositories;

namespace Portal.Core.Data.Configurations;

internal sealed class TrackingExperimentConfiguration : IEntityTypeConfiguration<TrackingExperiment>
{
    public void Configure(EntityTypeBuilder<TrackingExperiment> builder)
    {
        builder.Property(e => e.Name).HasMaxLength(500).IsRequired();
        builder.Property(e => e.LifecycleStage).HasMaxLength(16);
        builder.HasIndex(e => new { e.RepositoryId, e.Name }).IsUnique();
        builder.HasOne<Repository>().WithMany().HasForeignKey(e => e.RepositoryId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(e => e.Tags).WithOne().HasForeignKey(t => t.ExperimentId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class TrackingExperimentTagConfiguration : IEntityTypeConfiguration<TrackingExperimentTag>
{
    public void Configure(EntityTypeBuilder<TrackingExperimentTag> builder)
    {
        builder.HasKey(t => new { t.ExperimentId, t.Key });
        builder.Property(t => t.Key).HasMaxLength(250);
    }
}

internal sealed class TrackingRunConfiguration : IEntityTypeConfiguration<TrackingRun>
{
    public void Configure(EntityTypeBuilder<TrackingRun> builder)
    {
        builder.Property(r => r.Id).HasMaxLength(32);
        builder.Property(r => r.Status).HasMaxLength(16);
        builder.Property(r => r.LifecycleStage).HasMaxLength(16);
        builder.HasIndex(r => new { r.ExperimentId, r.StartTime });
        builder.HasIndex(r => r.RepositoryId);

        // runs/search's default page: newest first, then by id (migration 20261126000100_RunSearchIndex).
        builder.HasIndex(r => new { r.RepositoryId, r.ExperimentId, r.LifecycleStage, r.StartTime, r.Id }).IsDescending(false, false, false, true, false);
        builder.HasOne<TrackingExperiment>().WithMany().HasForeignKey(r => r.ExperimentId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(r => r.Params).WithOne().HasForeignKey(p => p.RunId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(r => r.Tags).WithOne().HasForeignKey(t => t.RunId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(r => r.LatestMetrics).WithOne().HasForeignKey(m => m.RunId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class TrackingParamConfiguration : IEntityTypeConfiguration<TrackingParam>
{
    public void Configure(EntityTypeBuilder<TrackingParam> builder)
    {
        builder.HasKey(p => new { p.RunId, p.Key });
        builder.Property(p => p.Key).HasMaxLength(250);
    }
}

internal sealed class TrackingRunTagConfiguration : IEntityTypeConfiguration<TrackingRunTag>
{
    public void Configure(EntityTypeBuilder<TrackingRunTag> builder)
    {
        builder.HasKey(t => new { t.RunId, t.Key });
        builder.Property(t => t.Key).HasMaxLength(250);
    }
}

internal sealed class TrackingMetricConfiguration : IEntityTypeConfiguration<TrackingMetric>
{
    public void Configure(EntityTypeBuilder<TrackingMetric> builder)
    {
        builder.Property(m => m.Key).HasMaxLength(250);
        builder.HasIndex(m => new { m.RunId, m.Key, m.Step });
        builder.Ignore(m => m.Value);
        builder.Property(m => m.StoredValue).HasColumnName("Value");
        builder.HasOne<TrackingRun>().WithMany().HasForeignKey(m => m.RunId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class TrackingLatestMetricConfiguration : IEntityTypeConfiguration<TrackingLatestMetric>
{
    public void Configure(EntityTypeBuilder<TrackingLatestMetric> builder)
    {
        builder.HasKey(m => new { m.RunId, m.Key });
        builder.Property(m => m.Key).HasMaxLength(250);
        builder.Ignore(m => m.Value);
        builder.Property(m => m.StoredValue).HasColumnName("Value");

        // runs/search ordered by one metric walks this in order (migration 20261126000100_RunSearchIndex).
        builder.HasIndex(m => new { m.Key, m.StoredValue });
    }
}

internal sealed class ExternalRemoteConfiguration : IEntityTypeConfiguration<ExternalRemote>
{
    public void Configure(EntityTypeBuilder<ExternalRemote> builder)
    {
        builder.Property(r => r.Name).HasMaxLength(100).IsRequired();
        builder.Property(r => r.Url).HasMaxLength(2048).IsRequired();
        builder.Property(r => r.Note).HasMaxLength(1000).IsRequired();
        builder.Property(r => r.Kind).HasConversion<string>().HasMaxLength(16);
        builder.HasIndex(r => new { r.RepositoryId, r.Name }).IsUnique();
        builder.HasOne<Repository>().WithMany().HasForeignKey(r => r.RepositoryId).OnDelete(DeleteBehavior.Cascade);
    }
}
