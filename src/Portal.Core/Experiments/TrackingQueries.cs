using System.Globalization;
using System.Text;
using System.Text.Json;
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

    /// <summary>
    /// The offset a page token stands for. Tokens are MLflow's (SearchUtils.create_page_token): base64 of {"offset": N};
    /// a token that is not one is refused as MLflow refuses it (INVALID_PARAMETER_VALUE), rather than silently restarting
    /// the search. A forged offset only skips rows: the token reaches SQL as a bound number, nothing else.
    /// </summary>
    public static Outcome<int> PageOffset(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return 0;
        }

        byte[] decoded;
        try
        {
            decoded = Convert.FromBase64String(token);
        }
        catch (FormatException)
        {
            return PortalError.Invalid("Invalid page token, could not base64-decode. Pass back the next_page_token of the previous page unchanged.");
        }

        try
        {
            using var json = JsonDocument.Parse(decoded);
            if (json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("offset", out var offset) &&
                (offset.ValueKind == JsonValueKind.Number ? offset.TryGetInt32(out var number) : int.TryParse(offset.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out number)) &&
                number >= 0)
            {
                return number;
            }
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException)
        {
            // Not JSON, or "offset" neither a number nor a string: refused below.
        }

        return PortalError.Invalid("Invalid page token: it is not one Portal gave out. Pass back the next_page_token of the previous page unchanged.");
    }

    /// <summary>
    /// The page <paramref name="pageToken"/> points at in an ordered query, read in SQL (OFFSET/LIMIT: one more row than
    /// the page, to know whether another follows), with the next page's token; a bad token is refused.
    /// </summary>
    public static async Task<Outcome<(IReadOnlyList<T> Items, string? NextPageToken)>> PageAsync<T>(this IQueryable<T> ordered, string? pageToken, int size, CancellationToken cancellationToken)
    {
        var offset = PageOffset(pageToken);
        return offset.Succeeded
            ? Page(await ordered.Skip(offset.Value).Take(size + 1).ToListAsync(cancellationToken), offset.Value, size)
            : offset.Error!;
    }

    /// <summary>One page from up to <paramref name="size"/> + 1 items read at <paramref name="offset"/>: the extra one says whether there is a next page.</summary>
    public static (IReadOnlyList<T> Items, string? NextPageToken) Page<T>(List<T> readOneMore, int offset, int size) =>
        (readOneMore.Take(size).ToList(), readOneMore.Count > size ? PageToken(offset + size) : null);

    /// <summary>MLflow's page token for an offset: base64 of {"offset": N}.</summary>
    public static string PageToken(int offset) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { offset })));
}
