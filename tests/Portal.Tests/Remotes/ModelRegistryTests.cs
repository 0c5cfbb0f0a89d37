using System.Net;
using System.Text.Json;

namespace Portal.Tests.Remotes;

/// <summary>
/// The model registry in the repository's MLflow remote, driven request by request as MLflow's client drives it
/// (mlflow/store/model_registry/rest_store.py, mlflow/tracking/_model_registry/fluent.py), checked with the API as a
/// stock MLflow server would answer.
/// </summary>
public sealed class ModelRegistryTests(RemotePortalFactory portal) : IClassFixture<RemotePortalFactory>
{
    private async Task<(MlflowReplay Mlflow, string User, string ReadToken, string Repository)> ProjectAsync()
    {
        var (user, token, readToken, repository) = await portal.CreateProjectAsync();
        return (MlflowReplay.For(portal, user, token, repository), user, readToken, repository);
    }

    /// <summary>What mlflow.sklearn.save_model writes into the model folder.</summary>
    private static readonly (string File, byte[] Content)[] ModelFiles =
    [
        ("MLmodel", "artifact_path: model\nflavors:\n  sklearn:\n    pickled_model: model.pkl\n"u8.ToArray()),
        ("conda.yaml", "channels:\n- conda-forge\ndependencies:\n- python=3.11.4\n"u8.ToArray()),
        ("model.pkl", [0x80, 0x04, 0x95, 0x2a, 0x00, 0x00, 0x00, 0x2e]),
        ("python_env.yaml", "python: 3.11.4\n"u8.ToArray()),
        ("requirements.txt", "mlflow==2.9.2\nscikit-learn==1.3.0\n"u8.ToArray()),
    ];

    /// <summary>MLflow 2's log_model in a run: create the run, log params and metrics, record the MLmodel summary.</summary>
    private static async Task<(string ExperimentId, string RunId)> LogModelIn2xRunAsync(MlflowReplay mlflow, string experiment)
    {
        var created = await mlflow.OkAsync(mlflow.PostAsync("experiments/create", new { name = experiment }));
        var experimentId = created.GetProperty("experiment_id").GetString()!;
        var run = await mlflow.OkAsync(mlflow.PostAsync("runs/create", new
        {
            experiment_id = experimentId,
            user_id = "ana",
            start_time = 1_700_000_000_000L,
            tags = new[] { new { key = "mlflow.user", value = "ana" }, new { key = "mlflow.source.name", value = "train.py" } },
        }));
        var runId = run.GetProperty("run").GetProperty("info").GetProperty("run_id").GetString()!;
        await mlflow.OkAsync(mlflow.PostAsync("runs/log-batch", new
        {
            run_id = runId,
            metrics = new[] { new { key = "training_score", value = 0.97, timestamp = 1_700_000_000_500L, step = 0 } },
            @params = new[] { new { key = "alpha", value = "0.5" } },
            tags = Array.Empty<object>(),
        }));
        var modelJson = JsonSerializer.Serialize(new
        {
            artifact_path = "model",
            flavors = new { python_function = new { loader_module = "mlflow.sklearn", python_version = "3.11.4" }, sklearn = new { sklearn_version = "1.3.0", pickled_model = "model.pkl" } },
            run_id = runId,
            model_uuid = "3f1c9d4e2b6a4f0e8c7d5b3a1e9f7c2d",
            utc_time_created = "2026-11-25 10:00:00.000000",
            mlflow_version = "2.9.2",
        });

        // Model.log: save_model writes the flavor's files, log_artifacts reads the run's artifact_uri and PUTs each one
        // under "model/", then _record_logged_model sends the MLmodel summary.
        var artifactUri = (await mlflow.OkAsync(mlflow.GetAsync("runs/get", new { run_uuid = runId, run_id = runId }))).GetProperty("run").GetProperty("info").GetProperty("artifact_uri").GetString()!;
        foreach (var (file, content) in ModelFiles)
        {
            Assert.Equal(HttpStatusCode.OK, await mlflow.PutArtifactAsync(artifactUri, $"model/{file}", content));
        }

        await mlflow.OkAsync(mlflow.PostAsync("runs/log-model", new { run_id = runId, model_json = modelJson }));
        return (experimentId, runId);
    }

    /// <summary>mlflow.register_model("runs:/&lt;run&gt;/model", name) as MLflow 2's client sends it.</summary>
    private static async Task<JsonElement> RegisterAsync(MlflowReplay mlflow, string runId, string name, bool expectNewModel)
    {
        var (created, createdBody) = await mlflow.PostAsync("registered-models/create", new { name });
        Assert.Equal(expectNewModel ? HttpStatusCode.OK : HttpStatusCode.BadRequest, created);
        if (!expectNewModel)
        {
            // The client reads this code, says "Registered model already exists" and goes on to create a version.
            Assert.Equal("RESOURCE_ALREADY_EXISTS", createdBody.GetProperty("error_code").GetString());
        }

        var run = await mlflow.OkAsync(mlflow.GetAsync("runs/get", new { run_uuid = runId, run_id = runId }));
        var source = run.GetProperty("run").GetProperty("info").GetProperty("artifact_uri").GetString() + "/model";
        var version = await mlflow.OkAsync(mlflow.PostAsync("model-versions/create", new { name, source, run_id = runId }));
        var number = version.GetProperty("model_version").GetProperty("version").GetString();

        // await_registration_for: the client polls until the status leaves PENDING_REGISTRATION; here it is READY at once.
        var polled = await mlflow.OkAsync(mlflow.GetAsync("model-versions/get", new { name, version = number }));
        Assert.Equal("READY", polled.GetProperty("model_version").GetProperty("status").GetString());
        return version.GetProperty("model_version");
    }

    [Fact]
    public async Task ClientFlow_Mlflow2_LogModelThenRegisterModel()
    {
        var (mlflow, _, _, _) = await ProjectAsync();
        using var owned = mlflow;
        var (_, runId) = await LogModelIn2xRunAsync(mlflow, "fraud");

        var first = await RegisterAsync(mlflow, runId, "fraud-detector", expectNewModel: true);
        var second = await RegisterAsync(mlflow, runId, "fraud-detector", expectNewModel: false);
        await mlflow.OkAsync(mlflow.PostAsync("registered-models/alias", new { name = "fraud-detector", alias = "champion", version = "1" }));

        var latest = await mlflow.OkAsync(mlflow.PostAsync("registered-models/get-latest-versions", new { name = "fraud-detector" }));
        var byAlias = await mlflow.OkAsync(mlflow.GetAsync("registered-models/alias", new { name = "fraud-detector", alias = "champion" }));
        var model = await mlflow.OkAsync(mlflow.GetAsync("registered-models/get", new { name = "fraud-detector" }));
        var download = await mlflow.OkAsync(mlflow.GetAsync("model-versions/get-download-uri", new { name = "fraud-detector", version = "2" }));
        var run = await mlflow.OkAsync(mlflow.GetAsync("runs/get", new { run_id = runId }));

        Assert.Equal("1", first.GetProperty("version").GetString());
        Assert.Equal("2", second.GetProperty("version").GetString());
        Assert.Equal(runId, first.GetProperty("run_id").GetString());
        Assert.Equal("None", first.GetProperty("current_stage").GetString());
        Assert.EndsWith($"{runId}/artifacts/model", first.GetProperty("source").GetString());
        Assert.Equal(["2"], latest.GetProperty("model_versions").EnumerateArray().Select(v => v.GetProperty("version").GetString()));
        Assert.Equal("1", byAlias.GetProperty("model_version").GetProperty("version").GetString());
        Assert.Equal(["champion"], byAlias.GetProperty("model_version").GetProperty("aliases").EnumerateArray().Select(a => a.GetString()));
        var registered = model.GetProperty("registered_model");
        Assert.Equal("fraud-detector", registered.GetProperty("name").GetString());
        Assert.Equal("2", registered.GetProperty("latest_versions")[0].GetProperty("version").GetString());
        Assert.Equal(("champion", "1"), (registered.GetProperty("aliases")[0].GetProperty("alias").GetString(), registered.GetProperty("aliases")[0].GetProperty("version").GetString()));
        Assert.Equal(second.GetProperty("source").GetString(), download.GetProperty("artifact_uri").GetString());
        // mlflow.pyfunc.load_model("models:/fraud-detector/2"): the download URI lists the model's files and serves them.
        var downloadUri = download.GetProperty("artifact_uri").GetString()!;
        Assert.Equal(ModelFiles.Select(f => (f.File, (long?)f.Content.Length)), await mlflow.ListArtifactsAsync(downloadUri));
        Assert.Equal(ModelFiles[2].Content, await mlflow.DownloadArtifactAsync(downloadUri, "model.pkl"));
        var history = run.GetProperty("run").GetProperty("data").GetProperty("tags").EnumerateArray().Single(t => t.GetProperty("key").GetString() == "mlflow.log-model.history");
        var logged = JsonDocument.Parse(history.GetProperty("value").GetString()!).RootElement;
        Assert.Equal("model", logged[0].GetProperty("artifact_path").GetString());
        Assert.True(logged[0].GetProperty("flavors").TryGetProperty("sklearn", out _));
    }

    [Fact]
    public async Task Search_FiltersOrdersAndPages_AsMlflowsClientAsks()
    {
        var (mlflow, _, _, _) = await ProjectAsync();
        using var owned = mlflow;
        var (_, runA) = await LogModelIn2xRunAsync(mlflow, "search-a");
        var (_, runB) = await LogModelIn2xRunAsync(mlflow, "search-b");
        foreach (var (name, team) in new[] { ("alpha-0", "risk"), ("alpha-1", "risk"), ("alpha-2", "growth"), ("beta-0", "risk"), ("beta-1", "growth") })
        {
            await mlflow.OkAsync(mlflow.PostAsync("registered-models/create", new { name, tags = new[] { new { key = "team", value = team } } }));
        }

        foreach (var runId in new[] { runA, runB, runA })
        {
            await mlflow.OkAsync(mlflow.PostAsync("model-versions/create", new { name = "alpha-0", source = $"runs:/{runId}/model", run_id = runId }));
        }

        async Task<(string[] Names, string? Token)> ModelsAsync(object query)
        {
            var body = await mlflow.OkAsync(mlflow.GetAsync("registered-models/search", query));
            var token = body.TryGetProperty("next_page_token", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            return ([.. body.GetProperty("registered_models").EnumerateArray().Select(m => m.GetProperty("name").GetString()!)], token);
        }

        var page1 = await ModelsAsync(new { filter = "name LIKE 'alpha%'", max_results = 2, order_by = new[] { "name DESC" } });
        var page2 = await ModelsAsync(new { filter = "name LIKE 'alpha%'", max_results = 2, order_by = new[] { "name DESC" }, page_token = page1.Token });
        Assert.Equal(["alpha-2", "alpha-1"], page1.Names);
        Assert.NotNull(page1.Token);
        Assert.Equal(["alpha-0"], page2.Names);
        Assert.Null(page2.Token);
        Assert.Empty((await ModelsAsync(new { filter = "name LIKE 'ALPHA%'" })).Names);
        Assert.Equal(3, (await ModelsAsync(new { filter = "name ILIKE 'ALPHA%'" })).Names.Length);
        Assert.Equal(["alpha-0", "alpha-1", "beta-0"], (await ModelsAsync(new { filter = "tags.team = 'risk'" })).Names);
        Assert.Equal(["beta-0"], (await ModelsAsync(new { filter = "tags.team = 'risk' AND name LIKE 'b%'" })).Names);

        var byRun = await mlflow.OkAsync(mlflow.GetAsync("model-versions/search", new { filter = $"run_id = '{runA}'", max_results = 10_000 }));
        Assert.Equal(["3", "1"], byRun.GetProperty("model_versions").EnumerateArray().Select(v => v.GetProperty("version").GetString()));
        var firstVersion = await mlflow.OkAsync(mlflow.GetAsync("model-versions/search", new { filter = "name = 'alpha-0'", max_results = 1, order_by = new[] { "version_number ASC" } }));
        var secondVersion = await mlflow.OkAsync(mlflow.GetAsync("model-versions/search", new
        {
            filter = "name = 'alpha-0'",
            max_results = 1,
            order_by = new[] { "version_number ASC" },
            page_token = firstVersion.GetProperty("next_page_token").GetString(),
        }));
        Assert.Equal("1", firstVersion.GetProperty("model_versions")[0].GetProperty("version").GetString());
        Assert.Equal("2", secondVersion.GetProperty("model_versions")[0].GetProperty("version").GetString());
        var newer = await mlflow.OkAsync(mlflow.GetAsync("model-versions/search", new { filter = "name = 'alpha-0' AND version_number > 1" }));
        Assert.Equal(2, newer.GetProperty("model_versions").GetArrayLength());

        foreach (var (endpoint, query) in new (string, object)[]
        {
            ("registered-models/search", new { filter = "name ~ 'x'" }),
            ("registered-models/search", new { filter = "version_number > 1" }),
            ("registered-models/search", new { max_results = 5000 }),
            ("registered-models/search", new { order_by = new[] { "popularity DESC" } }),
            ("model-versions/search", new { filter = "run_id > 'x'" }),
            ("model-versions/search", new { filter = "name = 'unterminated" }),
        })
        {
            var (status, body) = await mlflow.GetAsync(endpoint, query);
            Assert.True(status == HttpStatusCode.BadRequest, $"{status} for {JsonSerializer.Serialize(query)}");
            Assert.Equal("INVALID_PARAMETER_VALUE", body.GetProperty("error_code").GetString());
        }
    }

    [Fact]
    public async Task Versions_MoveBetweenStages_KeepTagsAndAliases_AndSurviveRename()
    {
        var (mlflow, _, _, _) = await ProjectAsync();
        using var owned = mlflow;
        var (_, runId) = await LogModelIn2xRunAsync(mlflow, "stages");
        await RegisterAsync(mlflow, runId, "churn", expectNewModel: true);
        await RegisterAsync(mlflow, runId, "churn", expectNewModel: false);

        await mlflow.OkAsync(mlflow.PostAsync("model-versions/transition-stage", new { name = "churn", version = "1", stage = "production", archive_existing_versions = false }));
        var moved = await mlflow.OkAsync(mlflow.PostAsync("model-versions/transition-stage", new { name = "churn", version = "2", stage = "Production", archive_existing_versions = true }));
        var production = await mlflow.OkAsync(mlflow.GetAsync("registered-models/get-latest-versions", new { name = "churn", stages = new[] { "Production" } }));
        var first = await mlflow.OkAsync(mlflow.GetAsync("model-versions/get", new { name = "churn", version = "1" }));
        Assert.Equal("Production", moved.GetProperty("model_version").GetProperty("current_stage").GetString());
        Assert.Equal(["2"], production.GetProperty("model_versions").EnumerateArray().Select(v => v.GetProperty("version").GetString()));
        Assert.Equal("Archived", first.GetProperty("model_version").GetProperty("current_stage").GetString());

        await mlflow.OkAsync(mlflow.PostAsync("model-versions/set-tag", new { name = "churn", version = "2", key = "validated", value = "yes" }));
        await mlflow.OkAsync(mlflow.PostAsync("model-versions/set-tag", new { name = "churn", version = "2", key = "owner", value = "ana" }));
        await mlflow.OkAsync(mlflow.DeleteAsync("model-versions/delete-tag", new { name = "churn", version = "2", key = "owner" }));
        await mlflow.OkAsync(mlflow.PatchAsync("model-versions/update", new { name = "churn", version = "2", description = "retrained weekly" }));
        await mlflow.OkAsync(mlflow.PostAsync("registered-models/set-tag", new { name = "churn", key = "domain", value = "billing" }));
        await mlflow.OkAsync(mlflow.PatchAsync("registered-models/update", new { name = "churn", description = "who leaves" }));
        await mlflow.OkAsync(mlflow.PostAsync("registered-models/alias", new { name = "churn", alias = "champion", version = "2" }));
        await mlflow.OkAsync(mlflow.PostAsync("registered-models/alias", new { name = "churn", alias = "old", version = "1" }));

        var renamed = await mlflow.OkAsync(mlflow.PostAsync("registered-models/rename", new { name = "churn", new_name = "churn-v2" }));
        var (oldName, oldNameBody) = await mlflow.GetAsync("registered-models/get", new { name = "churn" });
        var version = await mlflow.OkAsync(mlflow.GetAsync("model-versions/get", new { name = "churn-v2", version = "2" }));
        Assert.Equal("churn-v2", renamed.GetProperty("registered_model").GetProperty("name").GetString());
        Assert.Equal("who leaves", renamed.GetProperty("registered_model").GetProperty("description").GetString());
        Assert.Equal(HttpStatusCode.NotFound, oldName);
        Assert.Equal("RESOURCE_DOES_NOT_EXIST", oldNameBody.GetProperty("error_code").GetString());
        var v2 = version.GetProperty("model_version");
        Assert.Equal("churn-v2", v2.GetProperty("name").GetString());
        Assert.Equal("retrained weekly", v2.GetProperty("description").GetString());
        Assert.Equal([("validated", "yes")], v2.GetProperty("tags").EnumerateArray().Select(t => (t.GetProperty("key").GetString(), t.GetProperty("value").GetString())));

        // Deleting version 1 takes its alias with it; numbers are never given again.
        await mlflow.OkAsync(mlflow.DeleteAsync("model-versions/delete", new { name = "churn-v2", version = "1" }));
        var (gone, goneBody) = await mlflow.GetAsync("registered-models/alias", new { name = "churn-v2", alias = "old" });
        var third = await mlflow.OkAsync(mlflow.PostAsync("model-versions/create", new { name = "churn-v2", source = $"runs:/{runId}/model", run_id = runId }));
        Assert.Equal(HttpStatusCode.NotFound, gone);
        Assert.Equal("RESOURCE_DOES_NOT_EXIST", goneBody.GetProperty("error_code").GetString());
        Assert.Equal("3", third.GetProperty("model_version").GetProperty("version").GetString());

        await mlflow.OkAsync(mlflow.DeleteAsync("registered-models/delete-tag", new { name = "churn-v2", key = "domain" }));
        await mlflow.OkAsync(mlflow.DeleteAsync("registered-models/alias", new { name = "churn-v2", alias = "champion" }));
        var model = await mlflow.OkAsync(mlflow.GetAsync("registered-models/get", new { name = "churn-v2" }));
        Assert.Equal(0, model.GetProperty("registered_model").GetProperty("tags").GetArrayLength());
        Assert.Equal(0, model.GetProperty("registered_model").GetProperty("aliases").GetArrayLength());

        await mlflow.OkAsync(mlflow.DeleteAsync("registered-models/delete", new { name = "churn-v2" }));
        var (deleted, _) = await mlflow.GetAsync("registered-models/get", new { name = "churn-v2" });
        var versions = await mlflow.OkAsync(mlflow.GetAsync("model-versions/search", new { filter = "name = 'churn-v2'" }));
        Assert.Equal(HttpStatusCode.NotFound, deleted);
        Assert.Equal(0, versions.GetProperty("model_versions").GetArrayLength());
    }

    [Fact]
    public async Task BadInput_IsRefusedInMlflowsShape_AndChangesNothing()
    {
        var (mlflow, _, _, _) = await ProjectAsync();
        using var owned = mlflow;
        await mlflow.OkAsync(mlflow.PostAsync("registered-models/create", new { name = "kept" }));
        await mlflow.OkAsync(mlflow.PostAsync("model-versions/create", new { name = "kept", source = "mlflow-artifacts:/1/0123456789abcdef0123456789abcdef/artifacts/model" }));

        var refusals = new (Func<Task<(HttpStatusCode, JsonElement)>> Call, HttpStatusCode Status, string Code)[]
        {
            (() => mlflow.PostAsync("registered-models/create", new { name = "" }), HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE"),
            (() => mlflow.PostAsync("registered-models/create", new { description = "no name" }), HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE"),
            (() => mlflow.PostAsync("registered-models/create", new { name = "kept" }), HttpStatusCode.BadRequest, "RESOURCE_ALREADY_EXISTS"),
            (() => mlflow.PostAsync("registered-models/create", new { name = "tagged", tags = new[] { new { key = "../up", value = "x" } } }), HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE"),
            (() => mlflow.PostAsync("model-versions/create", new { name = "missing", source = "runs:/abc/model" }), HttpStatusCode.NotFound, "RESOURCE_DOES_NOT_EXIST"),
            (() => mlflow.PostAsync("model-versions/create", new { name = "kept", source = "/etc/passwd" }), HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE"),
            (() => mlflow.PostAsync("model-versions/create", new { name = "kept", source = "file:///var/lib/portal" }), HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE"),
            (() => mlflow.PostAsync("model-versions/create", new { name = "kept", source = "mlflow-artifacts:/1/../../secrets" }), HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE"),
            (() => mlflow.PostAsync("model-versions/create", new { name = "kept" }), HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE"),
            (() => mlflow.PostAsync("registered-models/alias", new { name = "kept", alias = "latest", version = "1" }), HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE"),
            (() => mlflow.PostAsync("registered-models/alias", new { name = "kept", alias = "v3", version = "1" }), HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE"),
            (() => mlflow.PostAsync("registered-models/alias", new { name = "kept", alias = "prod", version = "9" }), HttpStatusCode.NotFound, "RESOURCE_DOES_NOT_EXIST"),
            (() => mlflow.PostAsync("model-versions/transition-stage", new { name = "kept", version = "1", stage = "Prod", archive_existing_versions = false }), HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE"),
            (() => mlflow.PostAsync("model-versions/transition-stage", new { name = "kept", version = "1", stage = "Archived", archive_existing_versions = true }), HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE"),
            (() => mlflow.GetAsync("model-versions/get", new { name = "kept", version = "one" }), HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE"),
            (() => mlflow.GetAsync("model-versions/get", new { name = "kept", version = "2" }), HttpStatusCode.NotFound, "RESOURCE_DOES_NOT_EXIST"),
            (() => mlflow.PostAsync("registered-models/rename", new { name = "kept", new_name = "" }), HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE"),
            (() => mlflow.DeleteAsync("registered-models/delete", new { name = "nope" }), HttpStatusCode.NotFound, "RESOURCE_DOES_NOT_EXIST"),
        };
        foreach (var (call, expectedStatus, code) in refusals)
        {
            var (status, body) = await call();
            Assert.Equal(expectedStatus, status);
            Assert.Equal(code, body.GetProperty("error_code").GetString());
            Assert.InRange(body.GetProperty("message").GetString()!.Length, 10, 400);
        }

        var models = await mlflow.OkAsync(mlflow.GetAsync("registered-models/search"));
        var versions = await mlflow.OkAsync(mlflow.GetAsync("model-versions/search"));
        var kept = Assert.Single(models.GetProperty("registered_models").EnumerateArray());
        Assert.Equal("kept", kept.GetProperty("name").GetString());
        Assert.Equal(0, kept.GetProperty("aliases").GetArrayLength());
        var version = Assert.Single(versions.GetProperty("model_versions").EnumerateArray());
        Assert.Equal("None", version.GetProperty("current_stage").GetString());
    }

    [Fact]
    public async Task ReadOnlyTokens_ReadTheRegistry_ButCannotChangeIt()
    {
        var (mlflow, user, readToken, repository) = await ProjectAsync();
        using var owned = mlflow;
        using var reader = MlflowReplay.For(portal, user, readToken, repository);
        using var anonymous = new MlflowReplay(portal.CreateClient(), $"/{user}/{repository}.mlflow");
        await mlflow.OkAsync(mlflow.PostAsync("registered-models/create", new { name = "guarded" }));
        await mlflow.OkAsync(mlflow.PostAsync("model-versions/create", new { name = "guarded", source = "runs:/0123456789abcdef0123456789abcdef/model" }));

        var read = await reader.GetAsync("registered-models/get", new { name = "guarded" });
        var (create, createBody) = await reader.PostAsync("registered-models/create", new { name = "sneaky" });
        var (delete, _) = await reader.DeleteAsync("registered-models/delete", new { name = "guarded" });
        var (version, _) = await reader.PostAsync("model-versions/create", new { name = "guarded", source = "runs:/0123456789abcdef0123456789abcdef/model" });
        var (stage, _) = await reader.PostAsync("model-versions/transition-stage", new { name = "guarded", version = "1", stage = "Production", archive_existing_versions = false });
        var (anonymousRead, anonymousBody) = await anonymous.GetAsync("registered-models/get", new { name = "guarded" });

        Assert.Equal(HttpStatusCode.OK, read.Status);
        Assert.Equal(HttpStatusCode.Forbidden, create);
        Assert.Equal("PERMISSION_DENIED", createBody.GetProperty("error_code").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, delete);
        Assert.Equal(HttpStatusCode.Forbidden, version);
        Assert.Equal(HttpStatusCode.Forbidden, stage);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymousRead);
        Assert.Equal("UNAUTHENTICATED", anonymousBody.GetProperty("error_code").GetString());
        var model = await mlflow.OkAsync(mlflow.GetAsync("registered-models/get", new { name = "guarded" }));
        Assert.Equal("None", model.GetProperty("registered_model").GetProperty("latest_versions")[0].GetProperty("current_stage").GetString());
        var (sneaky, _) = await mlflow.GetAsync("registered-models/get", new { name = "sneaky" });
        Assert.Equal(HttpStatusCode.NotFound, sneaky);
    }
}
