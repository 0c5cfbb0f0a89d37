using System.Net;

namespace Portal.Tests.Remotes;

/// <summary>
/// mlflow.&lt;flavor&gt;.autolog() replayed request by request as MLflow's client sends it: the managed run
/// (mlflow/utils/autologging_utils/safety.py: start_run with the mlflow.autologging tag, plus the context tags
/// resolve_tags adds), the queued params, tags and per-epoch metrics flushed by MlflowAutologgingQueueingClient
/// (mlflow/utils/autologging_utils/client.py: chunks of 100 params and 100 tags, metrics filling each request up to
/// 1000 entities, then 1000 metrics a request), the training dataset through runs/log-inputs, and set_terminated
/// (runs/update with FINISHED and end_time). The state is then read back through the API and compared with what a
/// stock MLflow server (mlflow/store/tracking/sqlalchemy_store.py) holds after the same requests.
/// </summary>
public sealed class AutologFlowTests(RemotePortalFactory portal) : IClassFixture<RemotePortalFactory>
{
    private const long Start = 1_700_000_000_000L;

    private sealed record KeyValue(string key, string value);

    private sealed record Metric(string key, double value, long timestamp, long step);

    /// <summary>The flush of MlflowAutologgingQueueingClient (and MlflowClient.log_batch): how the queues become requests.</summary>
    private static IEnumerable<(List<Metric> Metrics, List<KeyValue> Params, List<KeyValue> Tags)> Batches(List<Metric> metrics, List<KeyValue> parameters, List<KeyValue> tags)
    {
        const int maxParamsOrTags = 100, maxMetrics = 1000, maxEntities = 1000;
        var paramChunks = parameters.Chunk(maxParamsOrTags).ToList();
        var tagChunks = tags.Chunk(maxParamsOrTags).ToList();
        var queue = metrics;
        for (var i = 0; i < Math.Max(paramChunks.Count, tagChunks.Count); i++)
        {
            var p = i < paramChunks.Count ? paramChunks[i].ToList() : [];
            var t = i < tagChunks.Count ? tagChunks[i].ToList() : [];
            var size = Math.Max(Math.Min(maxEntities - p.Count - t.Count, maxMetrics), 0);
            yield return ([.. queue.Take(size)], p, t);
            queue = [.. queue.Skip(size)];
        }

        foreach (var chunk in queue.Chunk(maxMetrics))
        {
            yield return ([.. chunk], [], []);
        }
    }

    /// <summary>
    /// LogBatch as message_to_json writes it (mlflow/utils/proto_json_utils.py): protobuf's JSON leaves an empty
    /// repeated field out, so a batch of params alone carries no "metrics" and no "tags".
    /// </summary>
    private static Dictionary<string, object> LogBatch(string runId, List<Metric> metrics, List<KeyValue> parameters, List<KeyValue> tags)
    {
        var body = new Dictionary<string, object> { ["run_id"] = runId };
        if (metrics.Count > 0)
        {
            body["metrics"] = metrics;
        }

        if (parameters.Count > 0)
        {
            body["params"] = parameters;
        }

        if (tags.Count > 0)
        {
            body["tags"] = tags;
        }

        return body;
    }

    /// <summary>A dataset input as mlflow.data's PandasDataset.to_proto() and DatasetInput send it.</summary>
    private static object DatasetInput(string context, string digest) => new
    {
        tags = new[] { new KeyValue("mlflow.data.context", context) },
        dataset = new
        {
            name = "dataset",
            digest,
            source_type = "code",
            source = "{\"tags\": {\"mlflow.user\": \"ana\", \"mlflow.source.name\": \"train.py\"}}",
            schema = "{\"mlflow_tensorspec\": {\"features\": \"[{\\\"type\\\": \\\"tensor\\\", \\\"tensor-spec\\\": {\\\"dtype\\\": \\\"float64\\\", \\\"shape\\\": [-1, 4]}}]\"}}",
            profile = "{\"features_shape\": [150, 4], \"features_size\": 600, \"features_nbytes\": 4800}",
        },
    };

    [Fact]
    public async Task ClientFlow_Autolog_LogBatchOverStepsAndLogInputs_LeavesWhatAStockServerWould()
    {
        var (user, token, _, repository) = await portal.CreateProjectAsync();
        using var mlflow = MlflowReplay.For(portal, user, token, repository);
        var experimentId = (await mlflow.OkAsync(mlflow.PostAsync("experiments/create", new { name = "autolog" }))).GetProperty("experiment_id").GetString()!;

        // with_managed_run → mlflow.start_run(tags={"mlflow.autologging": "keras"}) → runs/create with resolve_tags' context tags.
        var created = await mlflow.OkAsync(mlflow.PostAsync("runs/create", new
        {
            experiment_id = experimentId,
            user_id = "ana",
            start_time = Start,
            tags = new[]
            {
                new KeyValue("mlflow.autologging", "keras"),
                new KeyValue("mlflow.user", "ana"),
                new KeyValue("mlflow.source.name", "train.py"),
                new KeyValue("mlflow.source.type", "LOCAL"),
                new KeyValue("mlflow.source.git.commit", "4b825dc642cb6eb9a060e54bf8d69288fbee4904"),
            },
        }));
        var runId = created.GetProperty("run").GetProperty("info").GetProperty("run_id").GetString()!;

        // The optimizer's settings and the model summary: 150 params and 120 tags, then 5 metrics over 500 epochs.
        var parameters = Enumerable.Range(0, 150).Select(i => new KeyValue($"opt_param_{i:D3}", $"{i * 0.5}")).ToList();
        var tags = Enumerable.Range(0, 120).Select(i => new KeyValue($"layer_{i:D3}", $"Dense({64 + i})")).ToList();
        string[] names = ["loss", "accuracy", "val_loss", "val_accuracy", "lr"];
        var metrics = Enumerable.Range(0, 500).SelectMany(step => names.Select(name => new Metric(name, name.Contains("loss", StringComparison.Ordinal) ? 1.0 / (step + 1) : step / 500.0, Start + (step * 10), step))).ToList();
        var batches = Batches(metrics, parameters, tags).ToList();
        foreach (var (batchMetrics, batchParams, batchTags) in batches)
        {
            await mlflow.OkAsync(mlflow.PostAsync("runs/log-batch", LogBatch(runId, batchMetrics, batchParams, batchTags)));
        }

        // The training data (context "train"), then the same data again as evaluation data: one input, as in MLflow.
        await mlflow.OkAsync(mlflow.PostAsync("runs/log-inputs", new { run_id = runId, datasets = new[] { DatasetInput("train", "5f1c2a9e") } }));
        await mlflow.OkAsync(mlflow.PostAsync("runs/log-inputs", new { run_id = runId, datasets = new[] { DatasetInput("eval", "5f1c2a9e"), DatasetInput("eval", "0d9e8f7a") } }));

        // A callback re-logs a param with the value it already has (accepted) and one with a new value (refused, whole batch).
        var (same, _) = await mlflow.PostAsync("runs/log-batch", LogBatch(runId, [], [parameters[0]], []));
        var (changed, changedBody) = await mlflow.PostAsync("runs/log-batch", LogBatch(runId, [new Metric("loss", 99, Start + 999_999, 9_999)], [new KeyValue("opt_param_001", "0.75")], [new KeyValue("late", "tag")]));

        // Late points: an earlier step logged later does not become the latest value; at the same step and time, the larger value wins.
        await mlflow.OkAsync(mlflow.PostAsync("runs/log-batch", LogBatch(runId, [new Metric("loss", 7, Start + 100_000, 3)], [], [])));
        await mlflow.OkAsync(mlflow.PostAsync("runs/log-batch", LogBatch(runId, [new Metric("lr", 0.9, Start + 9_000_000, 600), new Metric("lr", 0.1, Start + 9_000_000, 600)], [], [])));

        // set_terminated: runs/update with both id fields, FINISHED and the end time.
        var updated = await mlflow.OkAsync(mlflow.PostAsync("runs/update", new { run_uuid = runId, run_id = runId, status = "FINISHED", end_time = Start + 6_000 }));

        var run = (await mlflow.OkAsync(mlflow.GetAsync("runs/get", new { run_uuid = runId, run_id = runId }))).GetProperty("run");
        var history = await mlflow.OkAsync(mlflow.GetAsync("metrics/get-history", new { run_uuid = runId, run_id = runId, metric_key = "loss" }));
        var found = await mlflow.OkAsync(mlflow.PostAsync("runs/search", new
        {
            experiment_ids = new[] { experimentId },
            filter = "tags.`mlflow.autologging` = 'keras' and params.opt_param_002 = '1' and metrics.accuracy > 0.99 and attributes.status = 'FINISHED'",
            run_view_type = "ACTIVE_ONLY",
            max_results = 1000,
        }));
        var byDataset = await mlflow.OkAsync(mlflow.PostAsync("runs/search", new
        {
            experiment_ids = new[] { experimentId },
            filter = "datasets.name = 'dataset' and datasets.context = 'eval' and datasets.digest LIKE '0d9e%'",
        }));
        var noDataset = await mlflow.OkAsync(mlflow.PostAsync("runs/search", new { experiment_ids = new[] { experimentId }, filter = "datasets.context IN ('test', 'validation')" }));

        Assert.Equal([(800, 100, 100), (930, 50, 20), (770, 0, 0)], batches.Select(b => (b.Metrics.Count, b.Params.Count, b.Tags.Count)));
        Assert.Equal(HttpStatusCode.OK, same);
        Assert.Equal(HttpStatusCode.BadRequest, changed);
        Assert.Equal("INVALID_PARAMETER_VALUE", changedBody.GetProperty("error_code").GetString());
        Assert.Contains("opt_param_001", changedBody.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(("FINISHED", Start + 6_000), (updated.GetProperty("run_info").GetProperty("status").GetString(), updated.GetProperty("run_info").GetProperty("end_time").GetInt64()));

        var info = run.GetProperty("info");
        Assert.Equal(("FINISHED", Start + 6_000, "ana"), (info.GetProperty("status").GetString(), info.GetProperty("end_time").GetInt64(), info.GetProperty("user_id").GetString()));
        var data = run.GetProperty("data");
        Assert.Equal(parameters.Select(p => (p.key, p.value)), data.GetProperty("params").EnumerateArray().Select(p => (p.GetProperty("key").GetString()!, p.GetProperty("value").GetString()!)));
        var runTags = data.GetProperty("tags").EnumerateArray().ToDictionary(t => t.GetProperty("key").GetString()!, t => t.GetProperty("value").GetString());
        Assert.Equal(120 + 5 + 1, runTags.Count);
        Assert.Equal("keras", runTags["mlflow.autologging"]);
        Assert.Equal("train.py", runTags["mlflow.source.name"]);
        Assert.Equal("Dense(183)", runTags["layer_119"]);
        Assert.False(runTags.ContainsKey("late"));
        Assert.True(runTags.ContainsKey("mlflow.runName"));
        var latest = data.GetProperty("metrics").EnumerateArray().ToDictionary(m => m.GetProperty("key").GetString()!, m => (m.GetProperty("value").GetDouble(), m.GetProperty("step").GetInt64()));
        Assert.Equal(names.Order(StringComparer.Ordinal), latest.Keys);
        Assert.Equal((1.0 / 500, 499L), latest["loss"]);
        Assert.Equal((499 / 500.0, 499L), latest["accuracy"]);
        Assert.Equal((0.9, 600L), latest["lr"]);

        var points = history.GetProperty("metrics").EnumerateArray().ToList();
        Assert.Equal(501, points.Count);
        Assert.DoesNotContain(points, p => p.GetProperty("value").GetDouble() == 99);
        Assert.Contains(points, p => p.GetProperty("step").GetInt64() == 3 && p.GetProperty("value").GetDouble() == 7);

        var inputs = run.GetProperty("inputs").GetProperty("dataset_inputs").EnumerateArray().ToList();
        Assert.Equal([("5f1c2a9e", "train"), ("0d9e8f7a", "eval")], inputs.Select(i => (i.GetProperty("dataset").GetProperty("digest").GetString(), i.GetProperty("tags")[0].GetProperty("value").GetString())));
        Assert.Equal("code", inputs[0].GetProperty("dataset").GetProperty("source_type").GetString());
        Assert.Contains("features_shape", inputs[0].GetProperty("dataset").GetProperty("profile").GetString(), StringComparison.Ordinal);

        Assert.Equal([runId], found.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("info").GetProperty("run_id").GetString()));
        Assert.Equal(2, found.GetProperty("runs")[0].GetProperty("inputs").GetProperty("dataset_inputs").GetArrayLength());
        Assert.Equal([runId], byDataset.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("info").GetProperty("run_id").GetString()));
        Assert.Equal(0, noDataset.TryGetProperty("runs", out var none) ? none.GetArrayLength() : 0);
    }
}
