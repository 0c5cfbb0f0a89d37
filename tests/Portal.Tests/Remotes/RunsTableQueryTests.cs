using Portal.Core.Experiments;
using Portal.Web.Components.Pages.Repositories;

namespace Portal.Tests.Remotes;

/// <summary>The Experiments tab's runs table as its query string carries it: column lists, sorting, paging with opaque tokens, links.</summary>
public sealed class RunsTableQueryTests
{
    private static readonly string[] Keys = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"];

    [Theory]
    [InlineData(null, null)]
    [InlineData("", "")]
    [InlineData("loss", "loss")]
    [InlineData(" loss , acc ,,loss", "loss|acc")]
    [InlineData("f1 score,val/loss", "f1 score|val/loss")]
    public void ParseKeys_TrimsAndDropsEmptyAndRepeatedKeys_AbsentIsNotEmpty(string? list, string? expected) =>
        Assert.Equal(expected?.Split('|', StringSplitOptions.RemoveEmptyEntries), RunsTableQuery.ParseKeys(list));

    [Fact]
    public void Columns_DefaultToTheFirstEight_ChosenOnesInKeyOrder_UnknownOnesDropped()
    {
        var byDefault = RunsTableQuery.From(1, null, null, null, null, null, null, null);
        var chosen = RunsTableQuery.From(1, null, "j,b,gone", "", null, null, null, null);

        Assert.Equal(Keys.Take(8), byDefault.ParamColumns(Keys));
        Assert.Equal(["b", "j"], chosen.ParamColumns(Keys));
        Assert.Empty(chosen.MetricColumns(Keys));
    }

    [Fact]
    public void SortedBy_AscendingFirst_TheSameColumnAgainReverses_AnotherColumnStartsAscending()
    {
        var field = RunsTableQuery.MetricField("val loss");
        var once = RunsTableQuery.From(1, null, null, null, null, null, null, null).SortedBy(field);
        var twice = once.SortedBy(field);

        Assert.Equal("metrics.`val loss` ASC", once.Sort);
        Assert.Equal("ascending", once.SortDirection(field));
        Assert.Equal("descending", twice.SortDirection(field));
        Assert.Equal("ascending", twice.SortedBy(field).SortDirection(field));
        Assert.Null(twice.SortDirection(RunsTableQuery.ParamField("lr")));
        Assert.Equal("params.`lr` ASC", twice.SortedBy(RunsTableQuery.ParamField("lr")).Sort);
    }

    [Fact]
    public void Paging_NextRemembersThePagesBefore_PreviousGoesBackOneAtATime_ChangesStartAgain()
    {
        var first = RunsTableQuery.From(1, "metrics.loss < 1", null, null, null, null, null, "100");
        var second = first.NextPage("T2");
        var third = second.NextPage("T3");

        Assert.True(first.IsFirstPage);
        Assert.Equal((1, 101, 201), (first.FirstRow, second.FirstRow, third.FirstRow));
        Assert.Equal(["T2"], third.Previous);
        Assert.Equal(second.Href("p"), third.PreviousPage().Href("p"));
        Assert.Equal(first.Href("p"), second.PreviousPage().Href("p"));
        Assert.Equal(first.Href("p"), first.PreviousPage().Href("p"));
        Assert.True(third.SortedBy("attributes.status").IsFirstPage);
        Assert.True(third.Filtered("params.lr = '1'").IsFirstPage);
        Assert.True(third.Sized(50).IsFirstPage);
        // A chosen column keeps the page: the rows stay the same.
        Assert.Equal("T3", third.WithMetrics(["loss"]).Page);
    }

    [Fact]
    public void Href_CarriesEveryPartEscaped_LeavesDefaultsOut_AndReadsBackTheSame()
    {
        var query = RunsTableQuery.From(7, "params.lr = \"0.01\" and metrics.`f1 score` > 0.5", "lr,opt", "f1 score", "metrics.`f1 score` DESC", "NTA=", null, "100").NextPage("MTAw");

        var href = query.Href("ana/vision");
        var parts = System.Web.HttpUtility.ParseQueryString(href[(href.IndexOf('?') + 1)..]);
        Assert.StartsWith("ana/vision?tab=experiments&experiment=7&filter=params.lr%20%3D%20%220.01%22", href, StringComparison.Ordinal);
        var readBack = RunsTableQuery.From(7, parts["filter"], parts["params"], parts["metrics"], parts["sort"], parts["page"], parts["prev"], parts["size"]);

        Assert.Equal(href, readBack.Href("ana/vision"));
        Assert.Equal(["NTA="], readBack.Previous);
        Assert.Equal(("MTAw", 100, "f1 score"), (readBack.Page, readBack.Size, readBack.Metrics!.Single()));
        Assert.Equal("ana/vision?tab=experiments&experiment=7", RunsTableQuery.From(7, " ", null, null, "", "", "x", "75").Href("ana/vision"));
    }

    [Theory]
    [InlineData(null, "")]
    [InlineData("0.01", "0.01")]
    [InlineData("0123456789012345678901234567890123456789", "0123456789012345678901234567890123456789")]
    [InlineData("0123456789012345678901234567890123456789X", "012345678901234567890123456789012345678…")]
    public void Shorten_CutsParamValuesLongerThanACell(string? value, string shown) =>
        Assert.Equal(shown, ExperimentsTab.Shorten(value));

    [Theory]
    [InlineData(new[] { "0.1", "0.1", "0.1" }, false)]
    [InlineData(new[] { "0.1", "0.01", "0.1" }, true)]
    [InlineData(new[] { "0.1", null }, true)]
    public void Differs_WhenNotEveryRunHasTheSameValue(string?[] values, bool differs) =>
        Assert.Equal(differs, RunComparison.Differs(values));

    [Fact]
    public void ChartedKeys_TheFirstEightMetricKeysOfAllRuns_InKeyOrder()
    {
        TrackingRun Run(params string[] keys) => new() { Id = "r", LatestMetrics = [.. keys.Select(k => new TrackingLatestMetric { RunId = "r", Key = k })] };

        Assert.Equal(["a", "b", "c", "d", "e", "f", "g", "h"], RunComparison.ChartedKeys([Run("j", "c", "a"), Run("i", "h", "g", "f", "e", "d", "b")]));
    }
}
