using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;

namespace Portal.Core.Experiments;

/// <summary>Look-ups and paging the experiment, run and run-search services share, with MLflow's not-found wording.</summary>
internal static class TrackingQueries
{
    /// <summary>Runs with everything MLflow returns for one: params, tags and each metric's latest value.</summary>
    public static IQueryable<TrackingRun> RunsWithData(this PortalDbContext db) =>
        db.TrackingRuns.Include(r => r.Params).Include(r => r.Tags).Include(r => r.LatestMetrics).AsSplitQuery();

    /// <summary>The experiment, tracked for a change; MLflow's ids are numbers sent as strings.</summary>
    public static async Task<Outcome<TrackingExperiment>> TrackedExperimentAsync(this PortalDbContext db, long repositoryId, string? experimentId, CancellationToken cancellationToken)
    {
        if (!long.TryParse(experimentId, out var id))
        {
            return InvalidExperimentId;
        }

        var experiment = await db.TrackingExperiments.FirstOrDefaultAsync(e => e.RepositoryId == repositoryId && e.Id == id, cancellationToken);
        return experiment is null ? ExperimentNotFound(experimentId) : experiment;
    }

    /// <summary>The experiment, tracked, refused unless active (runs and logged models are only created in active experiments).</summary>
    public static async Task<Outcome<TrackingExperiment>> ActiveExperimentAsync(this PortalDbContext db, long repositoryId, string? experimentId, CancellationToken cancellationToken)
    {
        var experiment = await db.TrackedExperimentAsync(repositoryId, experimentId, cancellationToken);
        return !experiment.Succeeded || experiment.Value!.LifecycleStage == "active"
            ? experiment
            : PortalError.Invalid($"The experiment {experimentId} must be in the 'active' state.");
    }

    public static PortalError InvalidExperimentId { get; } = PortalError.Invalid("Missing or invalid value for required parameter 'experiment_id'.");

    public static PortalError ExperimentNotFound(string? experimentId) => PortalError.NotFound($"No Experiment with id={experimentId} exists");

    public static PortalError RunNotFound(string? runId) => PortalError.NotFound($"Run with id={runId} not found");

    /// <summary>MLflow's max_results: 1000 when unset, never more than 50,000.</summary>
    public static int PageSize(int maxResults) => Math.Clamp(maxResults <= 0 ? 1000 : maxResults, 1, 50_000);

    /// <summary>Page tokens are opaque to clients; a malformed one starts from the beginning rather than failing.</summary>
    public static int PageOffset(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return 0;
        }

        try
        {
            return int.TryParse(Encoding.UTF8.GetString(Convert.FromBase64String(token)), out var offset) && offset >= 0 ? offset : 0;
        }
        catch (FormatException)
        {
            return 0;
        }
    }

    /// <summary>One page from up to <paramref name="size"/> + 1 items read at <paramref name="offset"/>: the extra one says whether there is a next page.</summary>
    public static (IReadOnlyList<T> Items, string? NextPageToken) Page<T>(List<T> readOneMore, int offset, int size) =>
        (readOneMore.Take(size).ToList(), readOneMore.Count > size ? Convert.ToBase64String(Encoding.UTF8.GetBytes((offset + size).ToString(CultureInfo.InvariantCulture))) : null);
}
