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

    public async Task<(IReadOnlyList<TrackingExperiment> Experiments, string? NextPageToken)> SearchAsync(long repositoryId, string? viewType, int maxResults, string? pageToken, CancellationToken cancellationToken)
    {
        var offset = TrackingQueries.PageOffset(pageToken);
        var query = db.TrackingExperiments.Include(e => e.Tags).AsNoTracking().Where(e => e.RepositoryId == repositoryId);
        query = (viewType ?? "ACTIVE_ONLY").ToUpperInvariant() switch
        {
            "DELETED_ONLY" => query.Where(e => e.LifecycleStage == "deleted"),
            "ALL" => query,
            _ => query.Where(e => e.LifecycleStage == "active"),
        };
        var size = TrackingQueries.PageSize(maxResults);
        var page = await query.OrderByDescending(e => e.CreationTime).ThenByDescending(e => e.Id).Skip(offset).Take(size + 1).ToListAsync(cancellationToken);
        return TrackingQueries.Page(page, offset, size);
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

    public async Task<Outcome<bool>> DeleteAsync(long repositoryId, string? experimentId, CancellationToken cancellationToken)
    {
        var experiment = await db.TrackedExperimentAsync(repositoryId, experimentId, cancellationToken);
        if (!experiment.Succeeded)
        {
            return experiment.Error!;
        }

        experiment.Value!.LifecycleStage = "deleted";
        experiment.Value.LastUpdateTime = Now;
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    private static PortalError NameTaken(string name) => PortalError.Conflict($"Experiment(name={name}) already exists.");
}
