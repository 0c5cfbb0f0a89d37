using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Core.Experiments;
using Portal.Core.ModelRegistry;
using Portal.Core.Repositories;

namespace Portal.Core.Data.Configurations;

internal sealed class RegisteredModelConfiguration : IEntityTypeConfiguration<RegisteredModel>
{
    public void Configure(EntityTypeBuilder<RegisteredModel> builder)
    {
        builder.Property(m => m.Name).HasMaxLength(RegistryRules.MaxNameLength);
        builder.Property(m => m.Description).HasMaxLength(RegistryRules.MaxDescriptionLength);
        builder.HasIndex(m => new { m.RepositoryId, m.Name }).IsUnique();
        builder.HasIndex(m => new { m.RepositoryId, m.LastUpdatedTimestamp });
        builder.HasOne<Repository>().WithMany().HasForeignKey(m => m.RepositoryId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(m => m.Tags).WithOne().HasForeignKey(t => t.RegisteredModelId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(m => m.Aliases).WithOne().HasForeignKey(a => a.RegisteredModelId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class RegisteredModelTagConfiguration : IEntityTypeConfiguration<RegisteredModelTag>
{
    public void Configure(EntityTypeBuilder<RegisteredModelTag> builder)
    {
        builder.HasKey(t => new { t.RegisteredModelId, t.Key });
        builder.Property(t => t.Key).HasMaxLength(250);
    }
}

internal sealed class RegisteredModelAliasConfiguration : IEntityTypeConfiguration<RegisteredModelAlias>
{
    public void Configure(EntityTypeBuilder<RegisteredModelAlias> builder)
    {
        builder.HasKey(a => new { a.RegisteredModelId, a.Alias });
        builder.Property(a => a.Alias).HasMaxLength(RegistryRules.MaxAliasLength);
    }
}

internal sealed class ModelVersionConfiguration : IEntityTypeConfiguration<ModelVersion>
{
    public void Configure(EntityTypeBuilder<ModelVersion> builder)
    {
        builder.Property(v => v.Source).HasMaxLength(RegistryRules.MaxSourceLength);
        builder.Property(v => v.Description).HasMaxLength(RegistryRules.MaxDescriptionLength);
        builder.Property(v => v.RunId).HasMaxLength(32);
        builder.Property(v => v.RunLink).HasMaxLength(RegistryRules.MaxSourceLength);
        builder.Property(v => v.LoggedModelId).HasMaxLength(64);
        builder.Property(v => v.CurrentStage).HasMaxLength(20);
        builder.HasIndex(v => new { v.RegisteredModelId, v.Version }).IsUnique();
        builder.HasIndex(v => v.RunId);
        builder.HasIndex(v => v.LoggedModelId);
        builder.HasOne(v => v.Model).WithMany().HasForeignKey(v => v.RegisteredModelId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(v => v.Tags).WithOne().HasForeignKey(t => t.ModelVersionId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ModelVersionTagConfiguration : IEntityTypeConfiguration<ModelVersionTag>
{
    public void Configure(EntityTypeBuilder<ModelVersionTag> builder)
    {
        builder.HasKey(t => new { t.ModelVersionId, t.Key });
        builder.Property(t => t.Key).HasMaxLength(250);
    }
}

internal sealed class LoggedModelConfiguration : IEntityTypeConfiguration<LoggedModel>
{
    public void Configure(EntityTypeBuilder<LoggedModel> builder)
    {
        builder.Property(m => m.Id).HasMaxLength(64);
        builder.Property(m => m.Name).HasMaxLength(RegistryRules.MaxNameLength);
        builder.Property(m => m.Status).HasMaxLength(32);
        builder.Property(m => m.LifecycleStage).HasMaxLength(16);
        builder.Property(m => m.SourceRunId).HasMaxLength(32);
        builder.HasIndex(m => new { m.ExperimentId, m.CreationTimestamp });
        builder.HasIndex(m => m.SourceRunId);
        builder.HasOne<TrackingExperiment>().WithMany().HasForeignKey(m => m.ExperimentId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(m => m.Params).WithOne().HasForeignKey(p => p.ModelId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(m => m.Tags).WithOne().HasForeignKey(t => t.ModelId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class LoggedModelParamConfiguration : IEntityTypeConfiguration<LoggedModelParam>
{
    public void Configure(EntityTypeBuilder<LoggedModelParam> builder)
    {
        builder.HasKey(p => new { p.ModelId, p.Key });
        builder.Property(p => p.Key).HasMaxLength(250);
    }
}

internal sealed class LoggedModelTagConfiguration : IEntityTypeConfiguration<LoggedModelTag>
{
    public void Configure(EntityTypeBuilder<LoggedModelTag> builder)
    {
        builder.HasKey(t => new { t.ModelId, t.Key });
        builder.Property(t => t.Key).HasMaxLength(250);
    }
}

internal sealed class TrackingDatasetInputConfiguration : IEntityTypeConfiguration<TrackingDatasetInput>
{
    public void Configure(EntityTypeBuilder<TrackingDatasetInput> builder)
    {
        builder.Property(i => i.Name).HasMaxLength(500);
        builder.Property(i => i.Digest).HasMaxLength(36);
        builder.HasIndex(i => new { i.RunId, i.Name, i.Digest }).IsUnique();
        builder.HasOne<TrackingRun>().WithMany(r => r.DatasetInputs).HasForeignKey(i => i.RunId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(i => i.Tags).WithOne().HasForeignKey(t => t.InputId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class TrackingDatasetInputTagConfiguration : IEntityTypeConfiguration<TrackingDatasetInputTag>
{
    public void Configure(EntityTypeBuilder<TrackingDatasetInputTag> builder)
    {
        builder.HasKey(t => new { t.InputId, t.Key });
        builder.Property(t => t.Key).HasMaxLength(255);
    }
}

internal sealed class TrackingRunModelConfiguration : IEntityTypeConfiguration<TrackingRunModel>
{
    public void Configure(EntityTypeBuilder<TrackingRunModel> builder)
    {
        builder.HasKey(m => new { m.RunId, m.ModelId, m.IsOutput });
        builder.Property(m => m.ModelId).HasMaxLength(64);
        builder.HasOne<TrackingRun>().WithMany(r => r.Models).HasForeignKey(m => m.RunId).OnDelete(DeleteBehavior.Cascade);
    }
}
