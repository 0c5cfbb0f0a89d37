using System.Net;
using System.Text.Json;

namespace Portal.Tests.Remotes;

/// <summary>
/// MLflow 3's logged models and what runs log about inputs and outputs, replayed request by request as MLflow 3's
/// client sends them (mlflow/store/tracking/rest_store.py: create_logged_model, log_outputs, log_logged_model_params,
/// set_logged_model_tags, finalize_logged_model, search_logged_models, log_inputs).
/// </summary>
public sealed class LoggedModelTests(RemotePortalFactory portal) : IClassFixture<RemotePortalFactory>
{
    private async Task<(MlflowReplay Mlflow, string ExperimentId, string RunId)> RunAsync(string experiment)
    {
        var (user, token, _, repository) = await portal.CreateProjectAsync();
        var mlflow = MlflowReplay.For(portal, user, token, repository);
        var created = await mlflow.OkAsync(mlflow.PostAsync("experiments/create", new { name = experiment }));
        var experimentId = created.GetProperty("experiment_id").GetString()!;
        var run = await mlflow.OkAsync(mlflow.PostAsync("runs/create", new { experiment_id = experimentId, start_time = 1_700_000_000_000L, tags = Array.Empty<object>() }));
        return (mlflow, experimentId, run.GetProperty("run").GetProperty("info").GetProperty("run_id").GetString()!);
    }

    [Fact]
    public async Task ClientFlow_Mlflow3_LogModel()
    {
        var (mlflow, experimentId, runId) = await RunAsync("llm");
        using var owned = mlflow;

        // mlflow.sklearn.log_model(model, name="model") inside a run, on MLflow 3:
        var created = await mlflow.OkAsync(mlflow.PostAsync("logged-models", new
        {
            experiment_id = experimentId,
            name = "model",
            source_run_id = runId,
            @params = new[] { new { key = "alpha", value = "0.5" } },
            tags = new[] { new { key = "mlflow.source.name", value = "train.py" } },
        }));
        var info = created.GetProperty("model").GetProperty("info");
        var modelId = info.GetProperty("model_id").GetString()!;
        await mlflow.OkAsync(mlflow.PostAsync("runs/outputs", new { run_id = runId, models = new[] { new { model_id = modelId, step = 0 } } }));
        await mlflow.OkAsync(mlflow.PostAsync($"logged-models/{modelId}/params", new { model_id = modelId, @params = new[] { new { key = "l1_ratio", value = "0.1" } } }));
        var tagged = await mlflow.OkAsync(mlflow.PatchAsync($"logged-models/{modelId}/tags", new { tags = new[] { new { key = "stage", value = "dev" } } }));
        // save_model writes the files locally, log_model_artifacts PUTs them into the logged model's artifact_uri, then finalize.
        var modelUri = info.GetProperty("artifact_uri").GetString()!;
        byte[] mlmodel = "artifact_path: null\nmodel_id: m\nflavors:\n  sklearn: {}\n"u8.ToArray(), pickle = [0x80, 0x05, 0x2e];
        Assert.Equal(HttpStatusCode.OK, await mlflow.PutArtifactAsync(modelUri, "MLmodel", mlmodel));
        Assert.Equal(HttpStatusCode.OK, await mlflow.PutArtifactAsync(modelUri, "model.pkl", pickle));
        var finalized = await mlflow.OkAsync(mlflow.PatchAsync($"logged-models/{modelId}", new { model_id = modelId, status = "LOGGED_MODEL_READY" }));
        var fetched = await mlflow.OkAsync(mlflow.GetAsync($"logged-models/{modelId}"));
        var run = await mlflow.OkAsync(mlflow.GetAsync("runs/get", new { run_id = runId }));

        Assert.Matches("^m-[0-9a-f]{32}$", modelId);
        Assert.Equal("LOGGED_MODEL_PENDING", info.GetProperty("status").GetString());
        Assert.Equal($"mlflow-artifacts:/{experimentId}/models/{modelId}/artifacts", info.GetProperty("artifact_uri").GetString());
        Assert.Equal(experimentId, info.GetProperty("experiment_id").GetString());
        Assert.Equal(runId, info.GetProperty("source_run_id").GetString());
        Assert.Contains(tagged.GetProperty("model").GetProperty("info").GetProperty("tags").EnumerateArray(), t => t.GetProperty("key").GetString() == "stage");
        Assert.Equal("LOGGED_MODEL_READY", finalized.GetProperty("model").GetProperty("info").GetProperty("status").GetString());
        var model = fetched.GetProperty("model");
        Assert.Equal("LOGGED_MODEL_READY", model.GetProperty("info").GetProperty("status").GetString());
        Assert.Equal([("alpha", "0.5"), ("l1_ratio", "0.1")], model.GetProperty("data").GetProperty("params").EnumerateArray().Select(p => (p.GetProperty("key").GetString(), p.GetProperty("value").GetString())));
        Assert.Equal(["mlflow.source.name", "stage"], model.GetProperty("info").GetProperty("tags").EnumerateArray().Select(t => t.GetProperty("key").GetString()));
        var output = Assert.Single(run.GetProperty("run").GetProperty("outputs").GetProperty("model_outputs").EnumerateArray());
        Assert.Equal(modelId, output.GetProperty("model_id").GetString());
        // mlflow.pyfunc.load_model(f"models:/{model_id}"): the model's files, where its artifact_uri says.
        Assert.Equal([("MLmodel", (long?)mlmodel.Length), ("model.pkl", pickle.Length)], await mlflow.ListArtifactsAsync(model.GetProperty("info").GetProperty("artifact_uri").GetString()!));
        Assert.Equal(pickle, await mlflow.DownloadArtifactAsync(modelUri, "model.pkl"));

        // A second model, then search as mlflow.search_logged_models pages through them.
        var other = await mlflow.OkAsync(mlflow.PostAsync("logged-models", new { experiment_id = experimentId, name = "baseline" }));
        var otherId = other.GetProperty("model").GetProperty("info").GetProperty("model_id").GetString();
        var byRun = await mlflow.OkAsync(mlflow.PostAsync("logged-models/search", new { experiment_ids = new[] { experimentId }, filter = $"name = 'model' AND source_run_id = '{runId}'", max_results = 50 }));
        var byParam = await mlflow.OkAsync(mlflow.PostAsync("logged-models/search", new { experiment_ids = new[] { experimentId }, filter = "params.alpha = '0.5'" }));
        var ready = await mlflow.OkAsync(mlflow.PostAsync("logged-models/search", new { experiment_ids = new[] { experimentId }, filter = "status = 'LOGGED_MODEL_READY'" }));
        var page1 = await mlflow.OkAsync(mlflow.PostAsync("logged-models/search", new { experiment_ids = new[] { experimentId }, max_results = 1, order_by = new[] { new { field_name = "name", ascending = true } } }));
        var page2 = await mlflow.OkAsync(mlflow.PostAsync("logged-models/search", new
        {
            experiment_ids = new[] { experimentId },
            max_results = 1,
            order_by = new[] { new { field_name = "name", ascending = true } },
            page_token = page1.GetProperty("next_page_token").GetString(),
        }));
        Assert.Equal([modelId], byRun.GetProperty("models").EnumerateArray().Select(m => m.GetProperty("info").GetProperty("model_id").GetString()));
        Assert.Equal([modelId], byParam.GetProperty("models").EnumerateArray().Select(m => m.GetProperty("info").GetProperty("model_id").GetString()));
        Assert.Equal([modelId], ready.GetProperty("models").EnumerateArray().Select(m => m.GetProperty("info").GetProperty("model_id").GetString()));
        Assert.Equal(otherId, page1.GetProperty("models")[0].GetProperty("info").GetProperty("model_id").GetString());
        Assert.Equal(modelId, page2.GetProperty("models")[0].GetProperty("info").GetProperty("model_id").GetString());

        // registered_model_name=…: the version points at the logged model.
        await mlflow.OkAsync(mlflow.PostAsync("registered-models/create", new { name = "assistant" }));
        var version = await mlflow.OkAsync(mlflow.PostAsync("model-versions/create", new { name = "assistant", source = $"models:/{modelId}", run_id = runId, model_id = modelId }));
        var registered = await mlflow.OkAsync(mlflow.GetAsync($"logged-models/{modelId}"));
        Assert.Equal(modelId, version.GetProperty("model_version").GetProperty("model_id").GetString());
        var registration = Assert.Single(registered.GetProperty("model").GetProperty("info").GetProperty("registrations").EnumerateArray());
        Assert.Equal(("assistant", "1"), (registration.GetProperty("name").GetString(), registration.GetProperty("version").GetString()));

        await mlflow.OkAsync(mlflow.DeleteAsync($"logged-models/{modelId}/tags/stage"));
        var (again, againBody) = await mlflow.DeleteAsync($"logged-models/{modelId}/tags/stage");
        await mlflow.OkAsync(mlflow.DeleteAsync($"logged-models/{modelId}", new { model_id = modelId }));
        var (deleted, _) = await mlflow.GetAsync($"logged-models/{modelId}");
        Assert.Equal(HttpStatusCode.NotFound, again);
        Assert.Equal("RESOURCE_DOES_NOT_EXIST", againBody.GetProperty("error_code").GetString());
        Assert.Equal(HttpStatusCode.NotFound, deleted);
    }

    [Fact]
    public async Task LogInputs_WithADataset_IsReturnedInTheRunsInputs_Once()
    {
        var (mlflow, _, runId) = await RunAsync("iris");
        using var owned = mlflow;
        var input = new
        {
            tags = new[] { new { key = "mlflow.data.context", value = "training" } },
            dataset = new
            {
                name = "iris",
                digest = "6c5e4d3b",
                source_type = "local",
                source = "{\"uri\": \"/data/iris.csv\"}",
                schema = "{\"mlflow_colspec\": [{\"type\": \"double\", \"name\": \"sepal length (cm)\"}]}",
                profile = "{\"num_rows\": 150, \"num_elements\": 600}",
            },
        };

        await mlflow.OkAsync(mlflow.PostAsync("runs/log-inputs", new { run_id = runId, datasets = new[] { input } }));
        await mlflow.OkAsync(mlflow.PostAsync("runs/log-inputs", new { run_id = runId, datasets = new[] { input } }));
        var (bad, badBody) = await mlflow.PostAsync("runs/log-inputs", new { run_id = runId, datasets = new[] { new { dataset = new { name = "no-digest", source_type = "local", source = "x" } } } });
        var (missingRun, _) = await mlflow.PostAsync("runs/log-inputs", new { run_id = "0123456789abcdef0123456789abcdef", datasets = new[] { input } });
        var run = await mlflow.OkAsync(mlflow.GetAsync("runs/get", new { run_id = runId }));

        Assert.Equal(HttpStatusCode.BadRequest, bad);
        Assert.Equal("INVALID_PARAMETER_VALUE", badBody.GetProperty("error_code").GetString());
        Assert.Equal(HttpStatusCode.NotFound, missingRun);
        var logged = Assert.Single(run.GetProperty("run").GetProperty("inputs").GetProperty("dataset_inputs").EnumerateArray());
        var dataset = logged.GetProperty("dataset");
        Assert.Equal("iris", dataset.GetProperty("name").GetString());
        Assert.Equal("6c5e4d3b", dataset.GetProperty("digest").GetString());
        Assert.Equal("local", dataset.GetProperty("source_type").GetString());
        Assert.Equal(input.dataset.source, dataset.GetProperty("source").GetString());
        Assert.Equal(input.dataset.schema, dataset.GetProperty("schema").GetString());
        Assert.Equal(input.dataset.profile, dataset.GetProperty("profile").GetString());
        Assert.Equal([("mlflow.data.context", "training")], logged.GetProperty("tags").EnumerateArray().Select(t => (t.GetProperty("key").GetString(), t.GetProperty("value").GetString())));
    }

    [Fact]
    public async Task BadLoggedModelInput_IsRefused_AndReadOnlyTokensCannotWrite()
    {
        var (user, token, readToken, repository) = await portal.CreateProjectAsync();
        using var mlflow = MlflowReplay.For(portal, user, token, repository);
        using var reader = MlflowReplay.For(portal, user, readToken, repository);
        var experiment = await mlflow.OkAsync(mlflow.PostAsync("experiments/create", new { name = "guarded" }));
        var experimentId = experiment.GetProperty("experiment_id").GetString()!;
        var created = await mlflow.OkAsync(mlflow.PostAsync("logged-models", new { experiment_id = experimentId, name = "kept" }));
        var modelId = created.GetProperty("model").GetProperty("info").GetProperty("model_id").GetString()!;
        var run = await mlflow.OkAsync(mlflow.PostAsync("runs/create", new { experiment_id = experimentId, start_time = 1L }));
        var runId = run.GetProperty("run").GetProperty("info").GetProperty("run_id").GetString()!;

        var refusals = new (Func<Task<(HttpStatusCode, JsonElement)>> Call, HttpStatusCode Status, string Code)[]
        {
            (() => mlflow.PostAsync("logged-models", new { experiment_id = experimentId, name = "a/b" }), HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE"),
            (() => mlflow.PostAsync("logged-models", new { experiment_id = "99999", name = "lost" }), HttpStatusCode.NotFound, "RESOURCE_DOES_NOT_EXIST"),
            (() => mlflow.PostAsync("logged-models", new { experiment_id = experimentId, @params = new[] { new { key = "k", value = "1" }, new { key = "k", value = "2" } } }), HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE"),
            (() => mlflow.PatchAsync($"logged-models/{modelId}", new { model_id = modelId, status = "LOGGED_MODEL_PENDING" }), HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE"),
            (() => mlflow.PatchAsync($"logged-models/{modelId}", new { model_id = "m-00000000000000000000000000000000", status = "LOGGED_MODEL_READY" }), HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE"),
            (() => mlflow.PatchAsync("logged-models/m-00000000000000000000000000000000", new { status = "LOGGED_MODEL_READY" }), HttpStatusCode.NotFound, "RESOURCE_DOES_NOT_EXIST"),
            (() => mlflow.PostAsync("logged-models/search", new { experiment_ids = new[] { experimentId }, filter = "metrics.accuracy > 0.9" }), HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE"),
            (() => mlflow.PostAsync("runs/log-model", new { run_id = runId, model_json = "{\"artifact_path\": \"model\"}" }), HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE"),
            (() => mlflow.PostAsync("runs/outputs", new { run_id = runId, models = new[] { new { step = 1 } } }), HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE"),
            (() => reader.PostAsync("logged-models", new { experiment_id = experimentId, name = "sneaky" }), HttpStatusCode.Forbidden, "PERMISSION_DENIED"),
            (() => reader.PatchAsync($"logged-models/{modelId}", new { model_id = modelId, status = "LOGGED_MODEL_READY" }), HttpStatusCode.Forbidden, "PERMISSION_DENIED"),
            (() => reader.PostAsync("runs/log-inputs", new { run_id = runId, datasets = Array.Empty<object>() }), HttpStatusCode.Forbidden, "PERMISSION_DENIED"),
        };
        foreach (var (call, expectedStatus, code) in refusals)
        {
            var (status, body) = await call();
            Assert.Equal(expectedStatus, status);
            Assert.Equal(code, body.GetProperty("error_code").GetString());
        }

        var kept = await reader.OkAsync(reader.GetAsync($"logged-models/{modelId}"));
        var all = await reader.OkAsync(reader.PostAsync("logged-models/search", new { experiment_ids = new[] { experimentId } }));
        var runAfter = await reader.OkAsync(reader.GetAsync("runs/get", new { run_id = runId }));
        Assert.Equal("LOGGED_MODEL_PENDING", kept.GetProperty("model").GetProperty("info").GetProperty("status").GetString());
        Assert.Equal(["kept"], all.GetProperty("models").EnumerateArray().Select(m => m.GetProperty("info").GetProperty("name").GetString()));
        Assert.Empty(runAfter.GetProperty("run").GetProperty("outputs").GetProperty("model_outputs").EnumerateArray());
        Assert.DoesNotContain(runAfter.GetProperty("run").GetProperty("data").GetProperty("tags").EnumerateArray(), t => t.GetProperty("key").GetString() == "mlflow.log-model.history");
    }
}
