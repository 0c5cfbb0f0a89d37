using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Accounts;
using Portal.Core.ExternalRemotes;
using Portal.Core.Organizations;
using Portal.Core.Repositories;
using Portal.Core.Tokens;
using Portal.Core.Upstreams;

namespace Portal.Core.Data;

public sealed class PortalDbContext(DbContextOptions<PortalDbContext> options) : IdentityDbContext<PortalUser>(options)
{
    public DbSet<Owner> Owners => Set<Owner>();

    public DbSet<Organization> Organizations => Set<Organization>();

    public DbSet<OrganizationMember> OrganizationMembers => Set<OrganizationMember>();

    public DbSet<PersonalAccessToken> PersonalAccessTokens => Set<PersonalAccessToken>();

    public DbSet<Repository> Repositories => Set<Repository>();

    public DbSet<UpstreamSource> UpstreamSources => Set<UpstreamSource>();

    public DbSet<UpstreamCredential> UpstreamCredentials => Set<UpstreamCredential>();

    public DbSet<Jobs.Job> Jobs => Set<Jobs.Job>();

    public DbSet<RepositoryEvent> RepositoryEvents => Set<RepositoryEvent>();

    public DbSet<RefChange> RefChanges => Set<RefChange>();

    public DbSet<PendingDeployKey> PendingDeployKeys => Set<PendingDeployKey>();

    public DbSet<Storage.StorageUsage> StorageUsages => Set<Storage.StorageUsage>();

    public DbSet<Experiments.TrackingExperiment> TrackingExperiments => Set<Experiments.TrackingExperiment>();

    public DbSet<Experiments.TrackingRun> TrackingRuns => Set<Experiments.TrackingRun>();

    public DbSet<Experiments.TrackingMetric> TrackingMetrics => Set<Experiments.TrackingMetric>();

    public DbSet<Experiments.TrackingLatestMetric> TrackingLatestMetrics => Set<Experiments.TrackingLatestMetric>();

    public DbSet<Experiments.TrackingParam> TrackingParams => Set<Experiments.TrackingParam>();

    public DbSet<Experiments.TrackingRunTag> TrackingRunTags => Set<Experiments.TrackingRunTag>();

    public DbSet<Experiments.TrackingExperimentTag> TrackingExperimentTags => Set<Experiments.TrackingExperimentTag>();

    public DbSet<ExternalRemote> ExternalRemotes => Set<ExternalRemote>();

    public DbSet<Lfs.LfsLock> LfsLocks => Set<Lfs.LfsLock>();

    public DbSet<ProtectedBranches.ProtectedBranch> ProtectedBranches => Set<ProtectedBranches.ProtectedBranch>();

    public DbSet<PushMirrors.PushMirror> PushMirrors => Set<PushMirrors.PushMirror>();

    public DbSet<PushMirrors.PushMirrorCredential> PushMirrorCredentials => Set<PushMirrors.PushMirrorCredential>();

    public DbSet<Mirroring.UpstreamWebhook> UpstreamWebhooks => Set<Mirroring.UpstreamWebhook>();

    public DbSet<Webhooks.WebhookSubscription> WebhookSubscriptions => Set<Webhooks.WebhookSubscription>();

    public DbSet<Webhooks.WebhookDelivery> WebhookDeliveries => Set<Webhooks.WebhookDelivery>();

    public DbSet<ModelRegistry.RegisteredModel> RegisteredModels => Set<ModelRegistry.RegisteredModel>();

    public DbSet<ModelRegistry.RegisteredModelTag> RegisteredModelTags => Set<ModelRegistry.RegisteredModelTag>();

    public DbSet<ModelRegistry.RegisteredModelAlias> RegisteredModelAliases => Set<ModelRegistry.RegisteredModelAlias>();

    public DbSet<ModelRegistry.ModelVersion> ModelVersions => Set<ModelRegistry.ModelVersion>();

    public DbSet<ModelRegistry.ModelVersionTag> ModelVersionTags => Set<ModelRegistry.ModelVersionTag>();

    public DbSet<Experiments.LoggedModel> LoggedModels => Set<Experiments.LoggedModel>();

    public DbSet<Experiments.LoggedModelParam> LoggedModelParams => Set<Experiments.LoggedModelParam>();

    public DbSet<Experiments.LoggedModelTag> LoggedModelTags => Set<Experiments.LoggedModelTag>();

    public DbSet<Experiments.TrackingDatasetInput> TrackingDatasetInputs => Set<Experiments.TrackingDatasetInput>();

    public DbSet<Experiments.TrackingDatasetInputTag> TrackingDatasetInputTags => Set<Experiments.TrackingDatasetInputTag>();

    public DbSet<Experiments.TrackingRunModel> TrackingRunModels => Set<Experiments.TrackingRunModel>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(PortalDbContext).Assembly);
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // SQLite has no time zone: store UTC and read it back as UTC.
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<DateTime?>().HaveConversion<UtcDateTimeConverter>();
    }
}
