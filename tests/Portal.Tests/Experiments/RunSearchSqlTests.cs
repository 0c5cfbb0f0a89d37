using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Portal.Core;
using Portal.Core.Data;
using Portal.Core.Experiments;

namespace Portal.Tests.Experiments;

/// <summary>
/// runs/search in SQL against a real, migrated SQLite file: the SQL filter selects exactly the runs the in-memory
/// matcher (<see cref="RunFilter.Matches"/>) selects on tricky cases, the order is MLflow's (runs lacking the key last),
/// paging visits every run once, and a search reads one page of runs, not the experiment.
/// </summary>
public sealed class RunSearchSqlTests : IDisposable
{
    private const long Repository = 1;
    private const long Experiment = 1;
    private readonly string folder = Directory.CreateTempSubdirectory("portal-runsearch-").FullName;
    private readonly SqliteConnection connection;

    // One interceptor for every context: EF Core builds a service provider per distinct interceptor instance.
    private static readonly MaterializedRuns Counter = new();
    private static readonly LastCommand Captured = new();

    public RunSearchSqlTests()
    {
        connection = new SqliteConnection($"Data Source={Path.Combine(folder, "portal.db")};Pooling=False");
        connection.Open();
        using (var db = Context())
        {
            db.Database.Migrate();
        }

        // The runs need no repository or experiment rows here: only the search is under test.
        using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA foreign_keys = OFF";
        pragma.ExecuteNonQuery();
    }

    public void Dispose()
    {
        connection.Dispose();
        Directory.Delete(folder, recursive: true);
    }

    private PortalDbContext Context() =>
        new(new DbContextOptionsBuilder<PortalDbContext>().UseSqlite(connection).AddInterceptors(Counter, Captured).Options);

    private static TrackingRun NewRun(int i, long startTime) => new()
    {
        Id = i.ToString("x32"),
        ExperimentId = Experiment,
        RepositoryId = Repository,
        RunName = $"run-{i}",
        StartTime = startTime,
    };

    /// <summary>Runs whose values sit on every edge the SQL translation could get wrong.</summary>
    private static List<TrackingRun> TrickyRuns()
    {
        string[] texts = ["AdamW", "adamw", "ADAM", "a_c", "abc", "a%c", "a*c", "a?c", "a[b]c", "50%", "É", "é", "", "it's", "a\\c", "x y"];
        double[] losses = [0.25, 0.5, 0.75, double.NaN, double.PositiveInfinity, double.NegativeInfinity, 0, -1];
        var runs = new List<TrackingRun>();
        for (var i = 0; i < 40; i++)
        {
            var run = NewRun(i, 1_000 + (i % 7));
            run.Status = i % 3 == 0 ? "FINISHED" : "RUNNING";
            run.EndTime = i % 4 == 0 ? null : 2_000 + i;
            if (i % 5 != 0)
            {
                run.Params.Add(new TrackingParam { RunId = run.Id, Key = "opt", Value = texts[i % texts.Length] });
            }

            if (i % 6 != 1)
            {
                run.Tags.Add(new TrackingRunTag { RunId = run.Id, Key = "note", Value = texts[(i * 7) % texts.Length] });
            }

            if (i % 9 != 2)
            {
                run.LatestMetrics.Add(new TrackingLatestMetric { RunId = run.Id, Key = "loss", Value = losses[i % losses.Length] });
            }

            runs.Add(run);
        }

        return runs;
    }

    private async Task SeedAsync(IEnumerable<TrackingRun> runs)
    {
        await using var db = Context();
        db.TrackingRuns.AddRange(runs);
        await db.SaveChangesAsync();
    }

    private async Task<Outcome<(IReadOnlyList<TrackingRun> Runs, string? NextPageToken)>> SearchAsync(string? filter, int maxResults = 1000, string? pageToken = null, params string[] orderBy)
    {
        await using var db = Context();
        return await new RunSearchService(db).SearchAsync(Repository, [Experiment.ToString()], filter, null, maxResults, orderBy, pageToken, default);
    }

    [Theory]
    [InlineData("params.opt LIKE 'a_c'")]
    [InlineData("params.opt LIKE 'a%c'")]
    [InlineData("params.opt LIKE '%\\%'")]
    [InlineData("params.opt LIKE 'a*c'")]
    [InlineData("params.opt LIKE 'a?c'")]
    [InlineData("params.opt LIKE 'a[b]c'")]
    [InlineData("params.opt LIKE '[ab]%'")]
    [InlineData("params.opt LIKE 'adam%'")]
    [InlineData("params.opt LIKE 'Adam%'")]
    [InlineData("params.opt LIKE '%'")]
    [InlineData("params.opt LIKE ''")]
    [InlineData("params.opt LIKE '%\\\\%'")]
    [InlineData("params.opt ILIKE 'adam%'")]
    [InlineData("params.opt ILIKE 'é'")]
    [InlineData("params.opt ILIKE '_'")]
    [InlineData("params.opt ILIKE '%''%'")]
    [InlineData("tags.note ILIKE '%C'")]
    [InlineData("tags.note LIKE '%c'")]
    [InlineData("params.opt = 'adamw'")]
    [InlineData("params.opt != 'adamw'")]
    [InlineData("params.opt != ''")]
    [InlineData("params.missing != 'x'")]
    [InlineData("params.opt IN ('AdamW', 'a_c', '')")]
    [InlineData("params.opt NOT IN ('AdamW', 'a_c')")]
    [InlineData("tags.note NOT IN ('x')")]
    [InlineData("metrics.loss < 0.5")]
    [InlineData("metrics.loss <= 0.5")]
    [InlineData("metrics.loss > 0.25")]
    [InlineData("metrics.loss >= -1")]
    [InlineData("metrics.loss = 0")]
    [InlineData("metrics.loss != 0.25")]
    [InlineData("metrics.loss < -1e308")]
    [InlineData("metrics.loss > 1e308")]
    [InlineData("metrics.missing != 1")]
    [InlineData("attributes.end_time != 2005")]
    [InlineData("attributes.end_time < 2010")]
    [InlineData("attributes.start_time >= 1003.5")]
    [InlineData("attributes.start_time = 1003")]
    [InlineData("attributes.status = 'FINISHED' AND metrics.loss < 1 AND params.opt LIKE '%a%'")]
    [InlineData("attributes.run_name LIKE 'run-1_'")]
    [InlineData("attributes.run_id IN ('00000000000000000000000000000003', '0000000000000000000000000000000a')")]
    public async Task SqlFilter_SelectsExactlyWhatTheInMemoryMatcherSelects(string filter)
    {
        var runs = TrickyRuns();
        await SeedAsync(runs);
        var parsed = RunFilter.Parse(filter);
        Assert.True(parsed.Succeeded, parsed.Error?.Message);
        var expected = runs.Where(parsed.Value!.Matches).Select(r => r.Id).Order().ToList();

        var found = await SearchAsync(filter);

        Assert.True(found.Succeeded, found.Error?.Message);
        Assert.Equal(expected, found.Value.Runs.Select(r => r.Id).Order().ToList());
    }

    [Fact]
    public async Task EdgeCases_MatchAsMlflowOnSqlite()
    {
        await SeedAsync(TrickyRuns());

        async Task<string[]> OptsAsync(string filter) =>
            [.. (await SearchAsync(filter)).Value.Runs.Select(r => r.Params.Single().Value).Distinct().Order(StringComparer.Ordinal)];

        // '%' and '_' are always wildcards and a backslash is an ordinary character (no escape, as MLflow's SQL LIKE on SQLite).
        Assert.Equal(["a%c", "a*c", "a?c", "a\\c", "a_c", "abc"], await OptsAsync("params.opt LIKE 'a_c'"));
        Assert.Equal(["a\\c"], await OptsAsync("params.opt LIKE '%\\%'"));
        Assert.Equal(["50%"], await OptsAsync("params.opt LIKE '50%'"));
        Assert.Equal(["a*c"], await OptsAsync("params.opt LIKE 'a*c'"));
        Assert.Equal(["a[b]c"], await OptsAsync("params.opt LIKE 'a[b]c'"));
        Assert.Equal(["AdamW"], await OptsAsync("params.opt LIKE 'Adam%'"));
        Assert.Equal(["ADAM", "AdamW", "adamw"], await OptsAsync("params.opt ILIKE 'adam%'"));
        Assert.Equal(["é"], await OptsAsync("params.opt ILIKE 'é'"));
    }

    [Theory]
    [InlineData("ASC")]
    [InlineData("DESC")]
    public async Task RunsLackingTheOrderKey_ComeLast_NaNJustBeforeThem(string direction)
    {
        var runs = Enumerable.Range(0, 6).Select(i => NewRun(i, 1_000)).ToList();
        double[] values = [0.5, 0.1, 0.9];
        for (var i = 0; i < 3; i++)
        {
            runs[i].LatestMetrics.Add(new TrackingLatestMetric { RunId = runs[i].Id, Key = "loss", Value = values[i] });
            runs[i].Params.Add(new TrackingParam { RunId = runs[i].Id, Key = "lr", Value = values[i].ToString(System.Globalization.CultureInfo.InvariantCulture) });
        }

        runs[3].LatestMetrics.Add(new TrackingLatestMetric { RunId = runs[3].Id, Key = "loss", Value = double.NaN });
        await SeedAsync(runs);

        var byMetric = (await SearchAsync(null, orderBy: [$"metrics.loss {direction}"])).Value.Runs.Select(r => r.RunName).ToList();
        var byParam = (await SearchAsync(null, orderBy: [$"params.lr {direction}"])).Value.Runs.Select(r => r.RunName).ToList();

        string[] numbers = direction == "ASC" ? ["run-1", "run-0", "run-2"] : ["run-2", "run-0", "run-1"];
        Assert.Equal([.. numbers, "run-3", "run-4", "run-5"], byMetric);
        Assert.Equal([.. numbers, "run-3", "run-4", "run-5"], byParam);
    }

    [Theory]
    [InlineData("ASC")]
    [InlineData("DESC")]
    public async Task OrderByOneMetric_ReadFromItsIndex_IsTheGeneralOrder(string direction)
    {
        await SeedAsync(TrickyRuns());

        // A second key every run lacks changes nothing in MLflow's order, but takes the general (sorting) path.
        var indexed = await SearchAsync(null, orderBy: [$"metrics.loss {direction}"]);
        var general = await SearchAsync(null, orderBy: [$"metrics.loss {direction}", "params.none"]);

        Assert.Equal(general.Value.Runs.Select(r => r.Id), indexed.Value.Runs.Select(r => r.Id));
        Assert.Equal(40, indexed.Value.Runs.Count);
    }

    [Fact]
    public async Task Paging_VisitsEveryRunExactlyOnce_WithTiesInTheOrderKey()
    {
        var runs = Enumerable.Range(0, 53).Select(i => NewRun(i, 1_000 + (i % 3))).ToList();
        foreach (var run in runs.Where((_, i) => i % 4 != 0))
        {
            run.LatestMetrics.Add(new TrackingLatestMetric { RunId = run.Id, Key = "acc", Value = run.StartTime % 2 });
        }

        await SeedAsync(runs);

        foreach (var orderBy in new[] { Array.Empty<string>(), ["metrics.acc DESC"], ["attributes.start_time ASC"], ["params.none", "metrics.acc"] })
        {
            var seen = new List<string>();
            string? token = null;
            var pages = 0;
            do
            {
                var found = await SearchAsync(null, maxResults: 5, pageToken: token, orderBy: orderBy);
                Assert.True(found.Succeeded, found.Error?.Message);
                seen.AddRange(found.Value.Runs.Select(r => r.Id));
                token = found.Value.NextPageToken;
                pages++;
            }
            while (token is not null && pages < 100);

            Assert.Equal(11, pages);
            Assert.Equal(runs.Select(r => r.Id).Order(), seen.Order());
        }
    }

    [Fact]
    public async Task ASearchOver5000Runs_ReadsOnlyOnePageOfRuns()
    {
        var runs = Enumerable.Range(0, 5000).Select(i => NewRun(i, i)).ToList();
        foreach (var run in runs)
        {
            run.LatestMetrics.Add(new TrackingLatestMetric { RunId = run.Id, Key = "loss", Value = (run.StartTime % 100) / 100.0 });
            run.Params.Add(new TrackingParam { RunId = run.Id, Key = "lr", Value = (run.StartTime % 3).ToString(System.Globalization.CultureInfo.InvariantCulture) });
        }

        await SeedAsync(runs);
        Counter.Count = 0;

        var found = await SearchAsync("metrics.loss < 0.5 AND params.lr = '1'", maxResults: 10, orderBy: ["metrics.loss DESC"]);

        Assert.True(found.Succeeded, found.Error?.Message);
        Assert.Equal(10, found.Value.Runs.Count);
        Assert.NotNull(found.Value.NextPageToken);
        Assert.InRange(Counter.Count, 10, 11);
    }

    [Theory]
    [InlineData("not base64!")]
    [InlineData("MTAw")]
    [InlineData("eyJvZmZzZXQiOiAtNX0=")]
    [InlineData("eyJvZmZzZXQiOiAieCJ9")]
    public async Task AMalformedPageToken_IsRefused_NotASilentRestart(string token)
    {
        await SeedAsync([NewRun(1, 1)]);

        var found = await SearchAsync(null, pageToken: token);

        Assert.False(found.Succeeded);
        Assert.Equal(PortalErrorKind.Invalid, found.Error!.Kind);
        Assert.StartsWith("Invalid page token", found.Error.Message);
    }

    [Theory]
    [InlineData("metrics.loss ASC", "metrics.loss DESC")]
    [InlineData("attributes.created", "attributes.start_time")]
    [InlineData("attributes.color", null)]
    [InlineData("loss", null)]
    public async Task BadOrderBy_IsRefused(string first, string? second)
    {
        var found = await SearchAsync(null, orderBy: second is null ? [first] : [first, second]);

        Assert.False(found.Succeeded);
        Assert.Equal(PortalErrorKind.Invalid, found.Error!.Kind);
    }

    [Theory]
    [InlineData(null, new string[0])]
    [InlineData("metrics.loss < 0.5", new string[0])]
    [InlineData("params.lr = '1' AND tags.t LIKE 'a%'", new string[0])]
    [InlineData(null, new[] { "attributes.start_time DESC" })]
    public async Task ThePageQuery_WalksTheRunIndex_AndProbesKeysByPrimaryKey(string? filter, string[] orderBy)
    {
        await SeedAsync(Enumerable.Range(0, 50).Select(i => NewRun(i, i)));

        await SearchAsync(filter, maxResults: 10, orderBy: orderBy);
        var plan = Captured.Plan(connection);

        Assert.Contains("INDEX IX_TrackingRuns_RepositoryId_ExperimentId_LifecycleStage_StartTime_Id", plan);
        Assert.DoesNotContain("TEMP B-TREE", plan);
        Assert.DoesNotContain("SCAN TrackingLatestMetrics", plan);
        Assert.DoesNotContain("SCAN TrackingParams", plan);
        Assert.DoesNotContain("SCAN TrackingRunTags", plan);
    }

    [Fact]
    public async Task ThePageOrderedByAMetric_WalksTheMetricIndex()
    {
        var runs = Enumerable.Range(0, 50).Select(i => NewRun(i, i)).ToList();
        foreach (var run in runs)
        {
            run.LatestMetrics.Add(new TrackingLatestMetric { RunId = run.Id, Key = "loss", Value = run.StartTime / 50.0 });
            run.Params.Add(new TrackingParam { RunId = run.Id, Key = "lr", Value = "1" });
        }

        await SeedAsync(runs);

        var found = await SearchAsync("params.lr = '1'", maxResults: 10, orderBy: ["metrics.loss DESC"]);
        var plan = Captured.Plan(connection);

        Assert.Equal(Enumerable.Range(40, 10).Reverse().Select(i => $"run-{i}"), found.Value.Runs.Select(r => r.RunName));
        Assert.Contains("INDEX IX_TrackingLatestMetrics_Key_Value", plan);
        Assert.DoesNotContain("USE TEMP B-TREE FOR ORDER BY", plan);
        Assert.DoesNotContain("SCAN TrackingLatestMetrics", plan);
        Assert.DoesNotContain("SCAN TrackingParams", plan);
        Assert.DoesNotContain("SCAN TrackingRunTags", plan);
    }

    /// <summary>The last paged query (the one with LIMIT), to be explained with the same parameters.</summary>
    private sealed class LastCommand : DbCommandInterceptor
    {
        private string text = "";
        private List<(string Name, object? Value)> parameters = [];

        public override ValueTask<InterceptionResult<System.Data.Common.DbDataReader>> ReaderExecutingAsync(System.Data.Common.DbCommand command, CommandEventData eventData, InterceptionResult<System.Data.Common.DbDataReader> result, CancellationToken cancellationToken = default)
        {
            if (command.CommandText.Contains("LIMIT", StringComparison.Ordinal))
            {
                text = command.CommandText;
                parameters = [.. command.Parameters.Cast<System.Data.Common.DbParameter>().Select(p => (p.ParameterName, (object?)p.Value))];
            }

            return base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
        }

        public string Plan(SqliteConnection connection)
        {
            using var explain = connection.CreateCommand();
            explain.CommandText = "EXPLAIN QUERY PLAN " + text;
            foreach (var (name, value) in parameters)
            {
                explain.Parameters.AddWithValue(name, value ?? DBNull.Value);
            }

            using var reader = explain.ExecuteReader();
            var lines = new List<string>();
            while (reader.Read())
            {
                lines.Add(reader.GetString(3));
            }

            return string.Join("\n", lines);
        }
    }

    /// <summary>Counts the runs EF Core builds from rows, tracked or not (the tests of one class run one at a time).</summary>
    private sealed class MaterializedRuns : IMaterializationInterceptor
    {
        public int Count { get; set; }

        public object InitializedInstance(MaterializationInterceptionData materializationData, object entity)
        {
            if (entity is TrackingRun)
            {
                Count++;
            }

            return entity;
        }
    }
}
