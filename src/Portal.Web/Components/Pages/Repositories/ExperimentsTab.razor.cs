using System.Globalization;
using Microsoft.AspNetCore.Components;
using Portal.Core.Experiments;

namespace Portal.Web.Components.Pages.Repositories;

/// <summary>
/// The Experiments tab: an experiment's runs as a table (filtered with the API's filter language, chosen params and
/// metrics as sortable columns, paged with the search's tokens), one run in detail, or several side by side. What is shown
/// lives in the query string (<see cref="RunsTableQuery"/>), so every view has a link.
/// </summary>
public partial class ExperimentsTab
{
    private IReadOnlyList<TrackingExperiment>? experiments;
    private TrackingExperiment? selected;
    private IReadOnlyList<TrackingRun>? runs;
    private TrackingRun? run;
    private IReadOnlyList<TrackingRun>? compared;
    private Dictionary<(string RunId, string Key), IReadOnlyList<TrackingMetric>> histories = [];
    private IReadOnlyList<string> paramKeys = [];
    private IReadOnlyList<string> metricKeys = [];
    private RunColumns columns = new([], [], 0);
    private RunsTableQuery query = new() { Experiment = 0 };
    private string? nextPage;
    private string filterText = "";

    /// <summary>Why the search was refused (the parser's message, as the API returns it); null when it ran.</summary>
    private string? searchError;

    /// <summary>What the link asked for and could not be shown (a run or experiment that is not there, a stale page link), and what is shown instead.</summary>
    private string? notice;
    private readonly HashSet<string> chosen = [];

    private const string FilterExample = "metrics.loss < 0.5 and params.lr = \"0.01\"";

    /// <summary>The most runs compared side by side (the charts draw one line per run).</summary>
    private const int MaxCompared = 10;

    [Parameter] public long RepositoryId { get; set; }

    [Parameter] public string BaseHref { get; set; } = "";

    [Parameter] public string? Experiment { get; set; }

    [Parameter] public string? Run { get; set; }

    [Parameter] public string? Compare { get; set; }

    [Parameter] public string? Sort { get; set; }

    /// <summary>"models": the registry's models and versions instead of runs.</summary>
    [Parameter] public string? View { get; set; }

    [SupplyParameterFromQuery(Name = "filter")] public string? Filter { get; set; }

    [SupplyParameterFromQuery(Name = "params")] public string? ParamColumns { get; set; }

    [SupplyParameterFromQuery(Name = "metrics")] public string? MetricColumns { get; set; }

    /// <summary>The runs search's page token (the Commits tab reads the same key as a page number).</summary>
    [SupplyParameterFromQuery(Name = "page")] public string? PageToken { get; set; }

    [SupplyParameterFromQuery(Name = "prev")] public string? PreviousPages { get; set; }

    [SupplyParameterFromQuery(Name = "size")] public string? PageSize { get; set; }

    /// <summary>"only": the comparison hides the rows where every run has the same value.</summary>
    [SupplyParameterFromQuery(Name = "diff")] public string? Diff { get; set; }

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    private RunService Runs => ScopedServices.GetRequiredService<RunService>();

    protected override async Task OnParametersSetAsync()
    {
        run = null;
        compared = null;
        runs = null;
        histories = [];
        notice = null;
        if (View == "models")
        {
            return;
        }

        experiments = await ScopedServices.GetRequiredService<ExperimentService>().ListActiveAsync(RepositoryId, default);
        selected = experiments.FirstOrDefault(e => e.Id.ToString(CultureInfo.InvariantCulture) == Experiment) ?? experiments.FirstOrDefault();
        if (selected is null)
        {
            return;
        }

        if (!string.IsNullOrEmpty(Experiment) && selected.Id.ToString(CultureInfo.InvariantCulture) != Experiment)
        {
            notice = $"This project has no active experiment {Experiment} (it may have been deleted); showing {selected.Name}.";
        }

        if (!string.IsNullOrEmpty(Run))
        {
            run = (await Runs.GetAsync(RepositoryId, Run, default)).Value;
            if (run is null)
            {
                notice = $"Run {Run} was not found in this project: it may have been deleted for good, or the link is mistyped. Here are the runs of {selected.Name}.";
            }
            else if (experiments.FirstOrDefault(e => e.Id == run.ExperimentId) is { } own)
            {
                // A run link names its run; the experiment shown is the run's own, whatever the link said.
                selected = own;
            }
        }

        query = RunsTableQuery.From(selected.Id, Filter, ParamColumns, MetricColumns, Sort, PageToken, PreviousPages, PageSize);
        filterText = query.Filter ?? "";

        if (run is not null)
        {
            await LoadHistoriesAsync([run]);
            return;
        }

        var ids = (Compare ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries);
        if (ids.Length >= 2)
        {
            var loaded = new List<TrackingRun>();
            foreach (var id in ids.Take(MaxCompared))
            {
                if ((await Runs.GetAsync(RepositoryId, id, default)).Value is { } found)
                {
                    loaded.Add(found);
                }
            }

            compared = loaded;
            await LoadHistoriesAsync(loaded);
            return;
        }

        columns = await ScopedServices.GetRequiredService<RunColumnsService>().ForExperimentAsync(RepositoryId, selected.Id, default);
        paramKeys = query.ParamColumns(columns.ParamKeys);
        metricKeys = query.MetricColumns(columns.MetricKeys);
        var order = query.Sort is null ? Array.Empty<string>() : [query.Sort];
        var searches = ScopedServices.GetRequiredService<RunSearchService>();
        var experimentIds = new[] { selected.Id.ToString(CultureInfo.InvariantCulture) };
        var search = await searches.SearchAsync(RepositoryId, experimentIds, query.Filter, null, query.Size, order, query.Page, default);
        if (!search.Succeeded && query.Page is not null && RunFilter.Parse(query.Filter).Succeeded)
        {
            // The filter is fine, so the page link is what was refused: an edited or stale link, e.g. page=2 (it holds the
            // search's position, not a page number). The first page is the useful answer.
            query = query.FirstPage();
            search = await searches.SearchAsync(RepositoryId, experimentIds, query.Filter, null, query.Size, order, null, default);
            notice = "That page link does not point into these runs any more (page links hold the search's position, not a page number); showing the first page.";
        }

        // A refused filter shows no runs rather than all of them: the table must never look like an answer to it.
        searchError = search.Succeeded ? null : search.Error!.Message;
        runs = search.Succeeded ? search.Value.Runs : [];
        nextPage = search.Succeeded ? search.Value.NextPageToken : null;
    }

    private async Task LoadHistoriesAsync(IReadOnlyList<TrackingRun> loaded)
    {
        foreach (var r in loaded)
        {
            foreach (var key in RunComparison.ChartedKeys(loaded).Where(k => r.LatestMetrics.Any(m => m.Key == k)))
            {
                histories[(r.Id, key)] = (await Runs.MetricHistoryAsync(RepositoryId, r.Id, key, default)).Value ?? [];
            }
        }
    }

    private string ModelsHref => $"{BaseHref}?tab=experiments&view=models";

    /// <summary>The runs table as it is now, or changed by <paramref name="change"/>.</summary>
    private string RunsHref(Func<RunsTableQuery, RunsTableQuery>? change = null) => (change is null ? query : change(query)).Href(BaseHref);

    /// <summary>Clicking a sorted column again reverses it.</summary>
    private string SortHref(string field) => RunsHref(q => q.SortedBy(field));

    private string RunHref(string runId) => $"{RunsHref()}&run={Uri.EscapeDataString(runId)}";

    private string CompareHref(IEnumerable<string> runIds, bool onlyDifferences) =>
        $"{RunsHref()}&compare={Uri.EscapeDataString(string.Join(',', runIds))}{(onlyDifferences ? "&diff=only" : "")}";

    private void ApplyFilter() => Navigation.NavigateTo(RunsHref(q => q.Filtered(filterText)));

    private void ShowColumn(bool param, string key, bool on)
    {
        var shown = param ? paramKeys : metricKeys;
        var keys = on ? shown.Append(key) : shown.Where(k => k != key);
        Navigation.NavigateTo(RunsHref(q => param ? q.WithParams(keys) : q.WithMetrics(keys)));
    }

    private void ShowOnlyDifferences(bool on) => Navigation.NavigateTo(CompareHref(compared!.Select(r => r.Id), on));

    private void Toggle(string runId, bool on)
    {
        if (on)
        {
            chosen.Add(runId);
        }
        else
        {
            chosen.Remove(runId);
        }
    }

    private void CompareChosen() => Navigation.NavigateTo(CompareHref(chosen, onlyDifferences: false));

    internal static string Duration(TrackingRun r) => r.EndTime is { } end
        ? TimeSpan.FromMilliseconds(end - r.StartTime) switch
        {
            { TotalSeconds: < 60 } span => $"{span.TotalSeconds:0.#} s",
            { TotalMinutes: < 60 } span => $"{span.TotalMinutes:0.#} min",
            var span => $"{span.TotalHours:0.#} h",
        }
        : r.Status == "RUNNING" ? "running" : "";

    internal static string Format(double? value) => value is { } v ? v.ToString("G6", CultureInfo.InvariantCulture) : "";

    /// <summary>The longest param value a cell shows in full; a longer one is cut (the cell's title has all of it).</summary>
    internal const int MaxCellLength = 40;

    internal static string Shorten(string? value) =>
        value is null || value.Length <= MaxCellLength ? value ?? "" : string.Concat(value.AsSpan(0, MaxCellLength - 1), "…");
}
