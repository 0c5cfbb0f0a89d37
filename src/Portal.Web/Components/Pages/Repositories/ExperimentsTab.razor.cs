using System.Globalization;
using Microsoft.AspNetCore.Components;
using Portal.Core.Experiments;

namespace Portal.Web.Components.Pages.Repositories;

/// <summary>
/// The Experiments tab: an experiment's runs as a sortable table (by the first params and metrics), one run in detail,
/// or several side by side. What is shown lives in the query string, so every view has a link.
/// </summary>
public partial class ExperimentsTab
{
    private IReadOnlyList<TrackingExperiment>? experiments;
    private TrackingExperiment? selected;
    private IReadOnlyList<TrackingRun>? runs;
    private TrackingRun? run;
    private IReadOnlyList<TrackingRun>? compared;
    private Dictionary<(string RunId, string Key), IReadOnlyList<TrackingMetric>> histories = [];
    private List<string> paramKeys = [];
    private List<string> metricKeys = [];
    private readonly HashSet<string> chosen = [];

    [Parameter] public long RepositoryId { get; set; }

    [Parameter] public string BaseHref { get; set; } = "";

    [Parameter] public string? Experiment { get; set; }

    [Parameter] public string? Run { get; set; }

    [Parameter] public string? Compare { get; set; }

    [Parameter] public string? Sort { get; set; }

    /// <summary>"models": the registry's models and versions instead of runs.</summary>
    [Parameter] public string? View { get; set; }

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    private RunService Runs => ScopedServices.GetRequiredService<RunService>();

    protected override async Task OnParametersSetAsync()
    {
        run = null;
        compared = null;
        runs = null;
        histories = [];
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

        if (!string.IsNullOrEmpty(Run))
        {
            run = (await Runs.GetAsync(RepositoryId, Run, default)).Value;
            await LoadHistoriesAsync(run is null ? [] : [run]);
            return;
        }

        var ids = (Compare ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries);
        if (ids.Length >= 2)
        {
            var loaded = new List<TrackingRun>();
            foreach (var id in ids.Take(10))
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

        var order = string.IsNullOrEmpty(Sort) ? Array.Empty<string>() : [Sort];
        var search = await ScopedServices.GetRequiredService<RunSearchService>().SearchAsync(RepositoryId, [selected.Id.ToString(CultureInfo.InvariantCulture)], null, null, 500, order, null, default);
        runs = search.Succeeded ? search.Value.Runs : [];
        paramKeys = [.. runs.SelectMany(r => r.Params.Select(p => p.Key)).Distinct().Order(StringComparer.Ordinal).Take(8)];
        metricKeys = [.. runs.SelectMany(r => r.LatestMetrics.Select(m => m.Key)).Distinct().Order(StringComparer.Ordinal).Take(8)];
    }

    private async Task LoadHistoriesAsync(IEnumerable<TrackingRun> loaded)
    {
        foreach (var r in loaded)
        {
            foreach (var key in r.LatestMetrics.Select(m => m.Key).Take(8))
            {
                histories[(r.Id, key)] = (await Runs.MetricHistoryAsync(RepositoryId, r.Id, key, default)).Value ?? [];
            }
        }
    }

    private string ModelsHref => $"{BaseHref}?tab=experiments&view=models";

    /// <summary>Clicking a sorted column again reverses it.</summary>
    private string RunsHref(string? sort = null)
    {
        var href = $"{BaseHref}?tab=experiments&experiment={selected!.Id}";
        if (sort is null)
        {
            return href;
        }

        var direction = Sort == $"{sort} ASC" ? "DESC" : "ASC";
        return $"{href}&sort={Uri.EscapeDataString($"{sort} {direction}")}";
    }

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

    private void CompareChosen() =>
        Navigation.NavigateTo($"{BaseHref}?tab=experiments&experiment={selected!.Id}&compare={string.Join(',', chosen)}");

    internal static string Duration(TrackingRun r) => r.EndTime is { } end
        ? TimeSpan.FromMilliseconds(end - r.StartTime) switch
        {
            { TotalSeconds: < 60 } span => $"{span.TotalSeconds:0.#} s",
            { TotalMinutes: < 60 } span => $"{span.TotalMinutes:0.#} min",
            var span => $"{span.TotalHours:0.#} h",
        }
        : r.Status == "RUNNING" ? "running" : "";

    internal static string Format(double? value) => value is { } v ? v.ToString("G6", CultureInfo.InvariantCulture) : "";
}
