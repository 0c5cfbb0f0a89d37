using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;
using static Portal.Core.Experiments.TrackingLimits;

namespace Portal.Core.Experiments;

/// <summary>
/// MLflow experiments of one repository: create, read, search, rename, delete. Errors use the kinds the web layer maps to
/// MLflow's codes (Invalid → INVALID_PARAMETER_VALUE, NotFound → RESOURCE_DOES_NOT_EXIST, Conflict → RESOURCE_ALREADY_EXISTS).
/// </summary>
public sealed class ExperimentService(PortalDbContext db, TimeProvider clock)
{
    private long Now => clock.GetUtcNow().ToUnixTimeMilliseconds();

    public async Task<Outcome<TrackingExperiment>> CreateAsync(long repositoryId, string? name, string? artifactLocation, IReadOnlyList<(string Key, string Value)> tags, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return PortalError.Invalid("Missing value for required parameter 'name'.");
        }

        if ((TooLong("Experiment name", name, MaxExperimentNameLength) ?? TooLong("Artifact location", artifactLocation, MaxArtifactLocationLength) ?? InvalidTags(tags, MaxExperimentTagValueLength)) is { } invalid)
        {
            return invalid;
        }

        if (await db.TrackingExperiments.AnyAsync(e => e.RepositoryId == repositoryId && e.Name == name, cancellationToken))
        {
            return NameTaken(name);
        }

        var experiment = new TrackingExperiment
        {
            RepositoryId = repositoryId,
            Name = name,
            ArtifactLocation = artifactLocation ?? "",
            CreationTime = Now,
            LastUpdateTime = Now,
            Tags = [.. tags.Select(t => new TrackingExperimentTag { Key = t.Key, Value = t.Value })],
        };
        db.TrackingExperiments.Add(experiment);
        await db.SaveChangesAsync(cancellationToken);
        return experiment;
    }

    public async Task<Outcome<TrackingExperiment>> GetAsync(long repositoryId, string? experimentId, CancellationToken cancellationToken)
    {
        if (!long.TryParse(experimentId, out var id))
        {
            return TrackingQueries.InvalidExperimentId;
        }

        var experiment = await db.TrackingExperiments.Include(e => e.Tags).AsNoTracking().FirstOrDefaultAsync(e => e.RepositoryId == repositoryId && e.Id == id, cancellationToken);
        return experiment is null ? TrackingQueries.ExperimentNotFound(experimentId) : experiment;
    }

    public async Task<Outcome<TrackingExperiment>> GetByNameAsync(long repositoryId, string? name, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(name))
        {
            return PortalError.Invalid("Missing value for required parameter 'experiment_name'.");
        }

        var experiment = await db.TrackingExperiments.Include(e => e.Tags).AsNoTracking().FirstOrDefaultAsync(e => e.RepositoryId == repositoryId && e.Name == name, cancellationToken);
        return experiment is null ? PortalError.NotFound($"Could not find experiment with name '{name}'") : experiment;
    }

    /// <summary>experiments/search: filter, order and page in the database (<see cref="ExperimentSearchQuery"/>).</summary>
    public async Task<Outcome<(IReadOnlyList<TrackingExperiment> Experiments, string? NextPageToken)>> SearchAsync(long repositoryId, string? filter, string? viewType, int maxResults, IReadOnlyList<string> orderBy, string? pageToken, CancellationToken cancellationToken)
    {
        var query = db.TrackingExperiments.Include(e => e.Tags).AsSplitQuery().AsNoTracking().Where(e => e.RepositoryId == repositoryId);
        query = (viewType ?? "ACTIVE_ONLY").ToUpperInvariant() switch
        {
            "DELETED_ONLY" => query.Where(e => e.LifecycleStage == "deleted"),
            "ALL" => query,
            _ => query.Where(e => e.LifecycleStage == "active"),
        };
        var filtered = ExperimentSearchQuery.Filter(query, db, filter);
        Outcome<IOrderedQueryable<TrackingExperiment>> ordered = filtered.Succeeded ? ExperimentSearchQuery.Order(filtered.Value!, orderBy) : filtered.Error!;
        return ordered.Succeeded
            ? await ordered.Value!.PageAsync(pageToken, TrackingQueries.PageSize(maxResults), cancellationToken)
            : ordered.Error!;
    }

    /// <summary>The active experiments, by name, for the project page's picker.</summary>
    public async Task<IReadOnlyList<TrackingExperiment>> ListActiveAsync(long repositoryId, CancellationToken cancellationToken) =>
        await db.TrackingExperiments.AsNoTracking().Where(e => e.RepositoryId == repositoryId && e.LifecycleStage == "active").OrderBy(e => e.Name).ToListAsync(cancellationToken);

    public async Task<Outcome<bool>> RenameAsync(long repositoryId, string? experimentId, string? newName, CancellationToken cancellationToken)
    {
        var experiment = await db.TrackedExperimentAsync(repositoryId, experimentId, cancellationToken);
        if (!experiment.Succeeded)
        {
            return experiment.Error!;
        }

        if (string.IsNullOrWhiteSpace(newName))
        {
            return PortalError.Invalid("Missing value for required parameter 'new_name'.");
        }

        if (TooLong("Experiment name", newName, MaxExperimentNameLength) is { } tooLong)
        {
            return tooLong;
        }

        if (await db.TrackingExperiments.AnyAsync(e => e.RepositoryId == repositoryId && e.Name == newName && e.Id != experiment.Value!.Id, cancellationToken))
        {
            return NameTaken(newName);
        }

        experiment.Value!.Name = newName;
        experiment.Value.LastUpdateTime = Now;
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    /// <summary>Moves the experiment to the trash (lifecycle "deleted"); <see cref="RestoreAsync"/> brings it back.</summary>
    public Task<Outcome<bool>> DeleteAsync(long repositoryId, string? experimentId, CancellationToken cancellationToken) =>
        SetStageAsync(repositoryId, experimentId, "deleted", cancellationToken);

    /// <summary>As MLflow: only a deleted experiment can be restored.</summary>
    public Task<Outcome<bool>> RestoreAsync(long repositoryId, string? experimentId, CancellationToken cancellationToken) =>
        SetStageAsync(repositoryId, experimentId, "active", cancellationToken, requiredStage: "deleted");

    /// <summary>Sets one experiment tag (set-experiment-tag), replacing its value if the key is there.</summary>
    public async Task<Outcome<bool>> SetTagAsync(long repositoryId, string? experimentId, string? key, string? value, CancellationToken cancellationToken)
    {
        if (key is null)
        {
            return PortalError.Invalid("Missing value for required parameter 'key'.");
        }

        if (InvalidTags([(key, value ?? "")], MaxExperimentTagValueLength) is { } invalid)
        {
            return invalid;
        }

        var experiment = await db.TrackedExperimentAsync(repositoryId, experimentId, cancellationToken);
        if (!experiment.Succeeded)
        {
            return experiment.Error!;
        }

        var existing = await db.TrackingExperimentTags.FirstOrDefaultAsync(t => t.ExperimentId == experiment.Value!.Id && t.Key == key, cancellationToken);
        if (existing is not null)
        {
            existing.Value = value ?? "";
        }
        else
        {
            db.TrackingExperimentTags.Add(new TrackingExperimentTag { ExperimentId = experiment.Value!.Id, Key = key, Value = value ?? "" });
        }

        experiment.Value!.LastUpdateTime = Now;
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    private async Task<Outcome<bool>> SetStageAsync(long repositoryId, string? experimentId, string stage, CancellationToken cancellationToken, string? requiredStage = null)
    {
        var experiment = await db.TrackedExperimentAsync(repositoryId, experimentId, cancellationToken);
        if (!experiment.Succeeded)
        {
            return experiment.Error!;
        }

        if (requiredStage is not null && experiment.Value!.LifecycleStage != requiredStage)
        {
            return PortalError.Invalid($"Cannot restore an active experiment: {experimentId} is not deleted.");
        }

        experiment.Value!.LifecycleStage = stage;
        experiment.Value.LastUpdateTime = Now;
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    private static PortalError NameTaken(string name) => PortalError.Conflict($"Experiment(name={name}) already exists.");
}
