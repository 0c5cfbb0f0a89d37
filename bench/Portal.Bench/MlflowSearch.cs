using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Portal.Bench;

/// <summary>
/// Figure 10: MLflow's runs/search over 100,000 runs of one experiment (5 params, 5 metrics, 3 tags each, values spread
/// as a sweep spreads them), over HTTP as MLflow's client sends it (POST runs/search, Basic auth with a token). The runs
/// are written straight into Portal's SQLite file with the sqlite3 tool (creating them through the API would take most
/// of an hour); Portal then answers as it would for runs logged by clients. Each case: ≥ 20 timed requests after warm-up.
/// </summary>
public static class MlflowSearch
{
    public const string Figure = "10. runs/search over 100,000 runs";

    private const string Name = "mlflow-search";
    private const int Runs = 100_000;
    private const int PageSize = 100;
    private const int Requests = 25;

    /// <summary>bench/run --mlflow-only: this figure alone, on a Portal of its own, into bench/results/mlflow.md.</summary>
    public static async Task RunAloneAsync(string appHost, string root)
    {
        var work = Directory.CreateTempSubdirectory("portal-bench-mlflow-").FullName;
        var report = new Report();
        try
        {
            using (var portal = await PortalServer.StartAsync(appHost, Path.Combine(work, "portal-data")))
            {
                await MeasureAsync(portal, report);
            }

            Console.WriteLine(report.Write(Path.Combine(root, "bench", "results", "mlflow.md"), $"Figure 10 alone (bench/run --mlflow-only), {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores."));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    public static async Task MeasureAsync(PortalServer portal, Report report)
    {
        var created = await portal.Http.PostAsJsonAsync("api/v1/repos", new { mode = "hosted", owner = PortalServer.Admin, name = Name, visibility = "private" });
        if (!created.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Creating {Name} failed: {await created.Content.ReadAsStringAsync()}");
        }

        // MLflow's client sends MLFLOW_TRACKING_USERNAME/PASSWORD as Basic auth; the password is a Portal token.
        using var mlflow = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{portal.Port}/{PortalServer.Admin}/{Name}.mlflow/api/2.0/mlflow/") };
        mlflow.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{PortalServer.Admin}:{portal.Http.DefaultRequestHeaders.Authorization!.Parameter}")));
        var experiment = await PostAsync(mlflow, "experiments/create", new { name = "sweep" });
        var experimentId = experiment.GetProperty("experiment_id").GetString()!;

        var started = Stopwatch.GetTimestamp();
        Seed(Path.Combine(portal.DataDir, "portal.db"), long.Parse(experimentId, CultureInfo.InvariantCulture));
        Console.WriteLine($"Seeded {Runs:N0} runs in {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s");
        report.Note($"{Runs:N0} runs in one experiment, each with 5 params, 5 metrics (latest values), 3 tags, written with sqlite3; pages of {PageSize} runs unless stated; {Requests} timed requests per case after 3 warm-up requests, one at a time.");

        var experimentIds = new[] { experimentId };
        var cases = new (string Label, object Body)[]
        {
            ("first page, newest first (no filter)", new { experiment_ids = experimentIds, max_results = PageSize }),
            ("first page of 1,000 (MLflow client's default page)", new { experiment_ids = experimentIds, max_results = 1000 }),
            ("metrics.loss < 0.5", new { experiment_ids = experimentIds, max_results = PageSize, filter = "metrics.loss < 0.5" }),
            ("params.optimizer = 'adam'", new { experiment_ids = experimentIds, max_results = PageSize, filter = "params.optimizer = 'adam'" }),
            ("tags.team LIKE 'vision%'", new { experiment_ids = experimentIds, max_results = PageSize, filter = "tags.team LIKE 'vision%'" }),
            ("order_by metrics.loss DESC", new { experiment_ids = experimentIds, max_results = PageSize, order_by = new[] { "metrics.loss DESC" } }),
        };
        foreach (var (label, body) in cases)
        {
            await TimeAsync(report, label, () => mlflow.PostAsync("runs/search", JsonContent.Create(body)));
        }

        // A deep page: the token after 50 pages, as a client paging through the whole experiment holds it.
        string? token = null;
        for (var page = 0; page < 50; page++)
        {
            var answer = await PostAsync(mlflow, "runs/search", new { experiment_ids = experimentIds, max_results = PageSize, page_token = token });
            token = answer.GetProperty("next_page_token").GetString();
        }

        await TimeAsync(report, "page 51 (page token after 50 pages)", () => mlflow.PostAsync("runs/search", JsonContent.Create(new { experiment_ids = experimentIds, max_results = PageSize, page_token = token })));
    }

    private static async Task TimeAsync(Report report, string label, Func<Task<HttpResponseMessage>> request)
    {
        var times = new List<double>();
        for (var i = -3; i < Requests; i++)
        {
            var started = Stopwatch.GetTimestamp();
            using var response = await request();
            var body = await response.Content.ReadAsByteArrayAsync();
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (!response.IsSuccessStatusCode || JsonDocument.Parse(body).RootElement.GetProperty("runs").GetArrayLength() == 0)
            {
                throw new InvalidOperationException($"runs/search ({label}) answered {(int)response.StatusCode}: {Encoding.UTF8.GetString(body[..Math.Min(300, body.Length)])}");
            }

            if (i >= 0)
            {
                times.Add(elapsed);
            }
        }

        var samples = new Samples(times);
        var p95 = samples.Percentile(95);
        report.Value(
            $"{Figure}: {label}",
            string.Create(CultureInfo.InvariantCulture, $"{samples.Median:0.0} ms (p95 {p95:0.0} ms) [{samples.Min:0.0}–{samples.Max:0.0}]"),
            "",
            "< 100 ms",
            samples.Median < 100 ? "met" : "MISSED");
    }

    private static async Task<JsonElement> PostAsync(HttpClient client, string endpoint, object body)
    {
        var response = await client.PostAsJsonAsync(endpoint, body);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        return response.IsSuccessStatusCode ? json : throw new InvalidOperationException($"{endpoint} failed: {(int)response.StatusCode} {json}");
    }

    /// <summary>100,000 runs as a hyperparameter sweep logs them, generated inside SQLite (no SQL text per row).</summary>
    private static void Seed(string database, long experimentId)
    {
        var e = experimentId.ToString(CultureInfo.InvariantCulture);
        var sql = $"""
            BEGIN;
            CREATE TEMP TABLE seeded AS
              WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {Runs - 1})
              SELECT printf('%032x', 1000000 + i) AS Id, i FROM n;
            INSERT INTO TrackingRuns (Id, ExperimentId, RepositoryId, RunName, UserId, Status, StartTime, EndTime, LifecycleStage, ArtifactUri)
              SELECT Id, {e}, (SELECT RepositoryId FROM TrackingExperiments WHERE Id = {e}), 'run-' || i, 'user' || (i % 7),
                     CASE WHEN i % 20 = 0 THEN 'FAILED' ELSE 'FINISHED' END, 1700000000000 + i * 60000 + (i % 13), 1700000000000 + i * 60000 + 3600000, 'active', ''
              FROM seeded;
            INSERT INTO TrackingParams (RunId, Key, Value)
              SELECT Id, 'lr', printf('%g', 0.0001 * (1 + i % 10)) FROM seeded
              UNION ALL SELECT Id, 'optimizer', CASE i % 3 WHEN 0 THEN 'adam' WHEN 1 THEN 'sgd' ELSE 'adamw' END FROM seeded
              UNION ALL SELECT Id, 'batch_size', CAST(16 << (i % 4) AS TEXT) FROM seeded
              UNION ALL SELECT Id, 'epochs', CAST(10 + i % 50 AS TEXT) FROM seeded
              UNION ALL SELECT Id, 'seed', CAST(i AS TEXT) FROM seeded;
            INSERT INTO TrackingLatestMetrics (RunId, Key, Value, Timestamp, Step)
              SELECT Id, 'loss', ((i * 7919) % 10007) / 10007.0, 1700000000000 + i * 60000, 100 FROM seeded
              UNION ALL SELECT Id, 'val_loss', ((i * 7927) % 10009) / 10009.0, 1700000000000 + i * 60000, 100 FROM seeded
              UNION ALL SELECT Id, 'accuracy', ((i * 104729) % 10007) / 10007.0, 1700000000000 + i * 60000, 100 FROM seeded
              UNION ALL SELECT Id, 'f1', ((i * 1299709) % 10007) / 10007.0, 1700000000000 + i * 60000, 100 FROM seeded
              UNION ALL SELECT Id, 'epoch_time', 30 + (i % 600) / 10.0, 1700000000000 + i * 60000, 100 FROM seeded;
            INSERT INTO TrackingRunTags (RunId, Key, Value)
              SELECT Id, 'team', CASE i % 4 WHEN 0 THEN 'vision-a' WHEN 1 THEN 'vision-b' WHEN 2 THEN 'nlp' ELSE 'speech' END FROM seeded
              UNION ALL SELECT Id, 'mlflow.runName', 'run-' || i FROM seeded
              UNION ALL SELECT Id, 'mlflow.user', 'user' || (i % 7) FROM seeded;
            COMMIT;
            """;
        Tool.Run("sqlite3", null, "-bail", "-cmd", ".timeout 30000", database, sql);
    }
}
