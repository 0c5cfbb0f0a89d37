using System.Globalization;
using System.Text;

namespace Portal.Web.Components.Pages.Repositories;

/// <summary>
/// What the Experiments tab's runs table shows — the filter, the chosen columns, the order, the page — as it travels in the
/// query string (<c>?tab=experiments&amp;experiment=…&amp;filter=…&amp;params=a,b&amp;metrics=x,y&amp;sort=…&amp;page=…&amp;prev=…&amp;size=…</c>),
/// so every view of the table has a link, and the links that change one part of it keep the rest.
/// </summary>
/// <remarks>
/// MLflow's page tokens are opaque and only lead forward, so the tokens of the pages before this one travel along
/// (<see cref="Previous"/>): that is what the Previous link goes back to. MLflow keys never contain a comma, so the column
/// lists are comma-separated.
/// </remarks>
public sealed record RunsTableQuery
{
    /// <summary>How many param and how many metric columns the table shows until the person chooses.</summary>
    public const int DefaultColumns = 8;

    public const int DefaultPageSize = 50;

    /// <summary>The page sizes offered; any other <c>size</c> in a link means the default.</summary>
    public static IReadOnlyList<int> PageSizes { get; } = [50, 100];

    public required long Experiment { get; init; }

    /// <summary>The filter in the API's language (<c>metrics.loss &lt; 0.5 and params.lr = "0.01"</c>); null: every run.</summary>
    public string? Filter { get; init; }

    /// <summary>The chosen param columns; null: the first <see cref="DefaultColumns"/> keys.</summary>
    public IReadOnlyList<string>? Params { get; init; }

    /// <summary>The chosen metric columns; null: the first <see cref="DefaultColumns"/> keys.</summary>
    public IReadOnlyList<string>? Metrics { get; init; }

    /// <summary>One order_by clause as the API takes it, e.g. <c>metrics.`loss` DESC</c>; null: newest first.</summary>
    public string? Sort { get; init; }

    /// <summary>The search's page token of the page shown; null: the first page.</summary>
    public string? Page { get; init; }

    /// <summary>The page tokens of the pages before this one, oldest first (the first page, which has none, is not listed).</summary>
    public IReadOnlyList<string> Previous { get; init; } = [];

    public int Size { get; init; } = DefaultPageSize;

    /// <summary>The table as the query string describes it; unknown or malformed parts fall back to their defaults.</summary>
    public static RunsTableQuery From(long experiment, string? filter, string? @params, string? metrics, string? sort, string? page, string? previous, string? size) => new()
    {
        Experiment = experiment,
        Filter = string.IsNullOrWhiteSpace(filter) ? null : filter,
        Params = ParseKeys(@params),
        Metrics = ParseKeys(metrics),
        Sort = string.IsNullOrWhiteSpace(sort) ? null : sort,
        Page = string.IsNullOrEmpty(page) ? null : page,
        // Pages before the first one mean nothing: a link without a page token is the first page.
        Previous = string.IsNullOrEmpty(page) ? [] : ParseKeys(previous) ?? [],
        Size = int.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && PageSizes.Contains(n) ? n : DefaultPageSize,
    };

    /// <summary>A comma-separated list: trimmed, empty entries and repeats dropped. Absent (null) differs from empty: "no columns" is a choice.</summary>
    public static IReadOnlyList<string>? ParseKeys(string? list) =>
        list is null ? null : [.. list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal)];

    /// <summary>The param columns shown, in the order of <paramref name="available"/>: the chosen ones that exist, or the first few.</summary>
    public IReadOnlyList<string> ParamColumns(IReadOnlyList<string> available) => Columns(Params, available);

    public IReadOnlyList<string> MetricColumns(IReadOnlyList<string> available) => Columns(Metrics, available);

    private static IReadOnlyList<string> Columns(IReadOnlyList<string>? chosen, IReadOnlyList<string> available) =>
        chosen is null ? [.. available.Take(DefaultColumns)] : [.. available.Where(chosen.Contains)];

    /// <summary>The order_by field of a param or metric column, its key quoted as the filter language quotes keys.</summary>
    public static string ParamField(string key) => $"params.`{key}`";

    public static string MetricField(string key) => $"metrics.`{key}`";

    /// <summary>The <c>aria-sort</c> of a column: null when the table is not sorted by it.</summary>
    public string? SortDirection(string field) =>
        Sort == $"{field} ASC" ? "ascending" : Sort == $"{field} DESC" ? "descending" : null;

    /// <summary>Sorted by <paramref name="field"/>, ascending first; the same column again reverses it. Back to the first page.</summary>
    public RunsTableQuery SortedBy(string field) =>
        FirstPage() with { Sort = $"{field} {(SortDirection(field) == "ascending" ? "DESC" : "ASC")}" };

    public RunsTableQuery Filtered(string? filter) => FirstPage() with { Filter = string.IsNullOrWhiteSpace(filter) ? null : filter.Trim() };

    /// <summary>These param columns, in the order given (the table shows them in key order).</summary>
    public RunsTableQuery WithParams(IEnumerable<string> keys) => this with { Params = [.. keys] };

    public RunsTableQuery WithMetrics(IEnumerable<string> keys) => this with { Metrics = [.. keys] };

    public RunsTableQuery Sized(int size) => FirstPage() with { Size = PageSizes.Contains(size) ? size : DefaultPageSize };

    public RunsTableQuery NextPage(string token) => this with { Page = token, Previous = Page is null ? Previous : [.. Previous, Page] };

    /// <summary>The page before this one; on the first page, the first page.</summary>
    public RunsTableQuery PreviousPage() => Previous.Count == 0
        ? FirstPage()
        : this with { Page = Previous[^1], Previous = [.. Previous.Take(Previous.Count - 1)] };

    public RunsTableQuery FirstPage() => this with { Page = null, Previous = [] };

    public bool IsFirstPage => Page is null;

    /// <summary>The 1-based number of the first run on this page (every page but the last is full).</summary>
    public int FirstRow => ((Previous.Count + (Page is null ? 0 : 1)) * Size) + 1;

    /// <summary>The link to this view of the table under the project's page; parts at their default are left out.</summary>
    public string Href(string baseHref)
    {
        var href = new StringBuilder(baseHref).Append("?tab=experiments&experiment=").Append(Experiment.ToString(CultureInfo.InvariantCulture));
        Append(href, "filter", Filter);
        Append(href, "params", Params is null ? null : string.Join(',', Params));
        Append(href, "metrics", Metrics is null ? null : string.Join(',', Metrics));
        Append(href, "sort", Sort);
        Append(href, "page", Page);
        Append(href, "prev", Previous.Count == 0 ? null : string.Join(',', Previous));
        Append(href, "size", Size == DefaultPageSize ? null : Size.ToString(CultureInfo.InvariantCulture));
        return href.ToString();
    }

    private static void Append(StringBuilder href, string name, string? value)
    {
        if (value is not null)
        {
            href.Append('&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
        }
    }
}
