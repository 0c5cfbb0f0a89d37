using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Portal.Tests.Remotes;

/// <summary>
/// The experiments remote, driven with the requests MLflow's client sends, following the REST API reference
/// (https://mlflow.org/docs/latest/rest-api.html): POST with JSON bodies for create/update/log/search, GET with
/// query parameters for get, get-by-name and get-history; errors as {"error_code", "message"}. The client sends
/// MLFLOW_TRACKING_USERNAME/PASSWORD as Basic auth.
/// </summary>
public sealed class MlflowRemoteTests(RemotePortalFactory portal) : IClassFixture<RemotePortalFactory>
{
    private sealed class Mlflow(HttpClient client, string baseUri) : IDisposable
    {
        public async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string endpoint, object body)
        {
            var response = await client.PostAsync($"{baseUri}/api/2.0/mlflow/{endpoint}", new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"));
            return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
        }

        public async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(string endpointWithQuery)
        {
            var response = await client.GetAsync($"{baseUri}/api/2.0/mlflow/{endpointWithQuery}");
            return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
        }

        /// <summary>Any path relative to the remote's root (/{owner}/{repo}.mlflow/).</summary>
        public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path) =>
            client.SendAsync(new HttpRequestMessage(method, $"{baseUri}/{path}") { Content = method == HttpMethod.Get ? null : new StringContent("{}", Encoding.UTF8, "application/json") });

        public void Dispose() => client.Dispose();
    }

    private async Task<Mlflow> ClientAsync(string visibility = "private")
    {
        var (user, token, _, repo) = await portal.CreateProjectAsync(visibility);
        var client = portal.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{token}")));
        return new Mlflow(client, $"/{user}/{repo}.mlflow");
    }

    private static async Task<string> CreateRunAsync(Mlflow mlflow, string experimentId, string name, long startTime)
    {
        var (status, body) = await mlflow.PostAsync("runs/create", new { experiment_id = experimentId, run_name = name, start_time = startTime, tags = new[] { new { key = "team", value = "vision" } } });
        Assert.Equal(HttpStatusCode.OK, status);
        return body.GetProperty("run").GetProperty("info").GetProperty("run_id").GetString()!;
    }

    [Fact]
    public async Task ExperimentLifecycle_CreateGetGetByNameUpdateSearchDelete()
    {
        using var mlflow = await ClientAsync();

        var (created, createdBody) = await mlflow.PostAsync("experiments/create", new { name = "baseline", tags = new[] { new { key = "owner", value = "ana" } } });
        var id = createdBody.GetProperty("experiment_id").GetString()!;
        var (duplicate, duplicateBody) = await mlflow.PostAsync("experiments/create", new { name = "baseline" });
        var (_, byId) = await mlflow.GetAsync($"experiments/get?experiment_id={id}");
        var (_, byName) = await mlflow.GetAsync("experiments/get-by-name?experiment_name=baseline");
        var (renamed, _) = await mlflow.PostAsync("experiments/update", new { experiment_id = id, new_name = "baseline-v2" });
        var (_, search) = await mlflow.PostAsync("experiments/search", new { max_results = 10 });
        var (deleted, _) = await mlflow.PostAsync("experiments/delete", new { experiment_id = id });
        var (_, afterDelete) = await mlflow.PostAsync("experiments/search", new { max_results = 10 });

        Assert.Equal(HttpStatusCode.OK, created);
        Assert.Equal(HttpStatusCode.BadRequest, duplicate);
        Assert.Equal("RESOURCE_ALREADY_EXISTS", duplicateBody.GetProperty("error_code").GetString());
        Assert.Equal("baseline", byId.GetProperty("experiment").GetProperty("name").GetString());
        Assert.Equal("active", byId.GetProperty("experiment").GetProperty("lifecycle_stage").GetString());
        Assert.Equal("ana", byId.GetProperty("experiment").GetProperty("tags")[0].GetProperty("value").GetString());
        Assert.Equal(id, byName.GetProperty("experiment").GetProperty("experiment_id").GetString());
        Assert.Equal(HttpStatusCode.OK, renamed);
        Assert.Equal("baseline-v2", search.GetProperty("experiments")[0].GetProperty("name").GetString());
        Assert.Equal(HttpStatusCode.OK, deleted);
        Assert.Equal(0, afterDelete.GetProperty("experiments").GetArrayLength());
    }

    [Fact]
    public async Task LogBatchWith1000Metrics_GetHistory_AndRunData()
    {
        using var mlflow = await ClientAsync();
        var (_, experiment) = await mlflow.PostAsync("experiments/create", new { name = "training" });
        var experimentId = experiment.GetProperty("experiment_id").GetString()!;
        var runId = await CreateRunAsync(mlflow, experimentId, "epoch-sweep", 1_700_000_000_000);
        var metrics = Enumerable.Range(0, 1000).Select(step => new { key = "loss", value = 1.0 / (step + 1), timestamp = 1_700_000_000_000L + step, step }).ToArray();

        var (logged, loggedBody) = await mlflow.PostAsync("runs/log-batch", new
        {
            run_id = runId,
            metrics,
            @params = new[] { new { key = "lr", value = "0.01" }, new { key = "epochs", value = "1000" } },
            tags = new[] { new { key = "stage", value = "dev" } },
        });
        var (_, history) = await mlflow.GetAsync($"metrics/get-history?run_id={runId}&metric_key=loss");
        var (updated, updateBody) = await mlflow.PostAsync("runs/update", new { run_id = runId, status = "FINISHED", end_time = 1_700_000_100_000L });
        var (_, run) = await mlflow.GetAsync($"runs/get?run_id={runId}");

        Assert.Equal(HttpStatusCode.OK, logged);
        Assert.Equal(JsonValueKind.Object, loggedBody.ValueKind);
        var points = history.GetProperty("metrics").EnumerateArray().ToList();
        Assert.Equal(1000, points.Count);
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => (long)i), points.Select(p => p.GetProperty("step").GetInt64()));
        Assert.Equal(1.0 / 1000, points[^1].GetProperty("value").GetDouble(), 12);
        Assert.Equal(HttpStatusCode.OK, updated);
        Assert.Equal("FINISHED", updateBody.GetProperty("run_info").GetProperty("status").GetString());
        var data = run.GetProperty("run").GetProperty("data");
        Assert.Equal(1.0 / 1000, data.GetProperty("metrics").EnumerateArray().Single(m => m.GetProperty("key").GetString() == "loss").GetProperty("value").GetDouble(), 12);
        Assert.Contains(data.GetProperty("params").EnumerateArray(), p => p.GetProperty("key").GetString() == "lr" && p.GetProperty("value").GetString() == "0.01");
        Assert.Contains(data.GetProperty("tags").EnumerateArray(), t => t.GetProperty("key").GetString() == "mlflow.runName" && t.GetProperty("value").GetString() == "epoch-sweep");
        Assert.Equal(1_700_000_100_000L, run.GetProperty("run").GetProperty("info").GetProperty("end_time").GetInt64());
    }

    [Fact]
    public async Task SearchRuns_FiltersOnMetricsAndParams_AndOrders()
    {
        using var mlflow = await ClientAsync();
        var (_, experiment) = await mlflow.PostAsync("experiments/create", new { name = "sweep" });
        var experimentId = experiment.GetProperty("experiment_id").GetString()!;
        var runs = new Dictionary<string, string>();
        foreach (var (name, lr, loss, start) in new[] { ("a", "0.01", 0.3, 1L), ("b", "0.01", 0.7, 2L), ("c", "0.1", 0.2, 3L) })
        {
            var runId = await CreateRunAsync(mlflow, experimentId, name, start);
            runs[runId] = name;
            await mlflow.PostAsync("runs/log-parameter", new { run_id = runId, key = "lr", value = lr });
            await mlflow.PostAsync("runs/log-metric", new { run_id = runId, key = "loss", value = loss, timestamp = 10L, step = 1 });
        }

        async Task<string[]> SearchAsync(string filter, params string[] orderBy)
        {
            var (status, body) = await mlflow.PostAsync("runs/search", new { experiment_ids = new[] { experimentId }, filter, order_by = orderBy, max_results = 100 });
            Assert.Equal(HttpStatusCode.OK, status);
            return [.. body.GetProperty("runs").EnumerateArray().Select(r => runs[r.GetProperty("info").GetProperty("run_id").GetString()!])];
        }

        Assert.Equal(["a", "c"], (await SearchAsync("metrics.loss < 0.5")).Order());
        Assert.Equal(["a", "b"], (await SearchAsync("params.lr = '0.01'")).Order());
        Assert.Equal(["a"], await SearchAsync("metrics.loss < 0.5 and params.lr = '0.01'"));
        Assert.Equal(["c", "a", "b"], await SearchAsync("", "metrics.loss ASC"));
        Assert.Equal(["c", "b", "a"], await SearchAsync(""));
        Assert.Equal(["a", "b", "c"], await SearchAsync("tags.team = 'vision'", "attributes.start_time ASC"));

        var (invalid, invalidBody) = await mlflow.PostAsync("runs/search", new { experiment_ids = new[] { experimentId }, filter = "metrics.loss < 'low'" });
        Assert.Equal(HttpStatusCode.BadRequest, invalid);
        Assert.Equal("INVALID_PARAMETER_VALUE", invalidBody.GetProperty("error_code").GetString());
    }

    [Fact]
    public async Task MissingThings_AnswerWithMlflowErrorCodes()
    {
        using var mlflow = await ClientAsync();

        var (missingExperiment, missingExperimentBody) = await mlflow.GetAsync("experiments/get?experiment_id=99999");
        var (missingByName, _) = await mlflow.GetAsync("experiments/get-by-name?experiment_name=nope");
        var (missingRun, missingRunBody) = await mlflow.GetAsync("runs/get?run_id=0123456789abcdef0123456789abcdef");
        var (missingHistory, _) = await mlflow.GetAsync("metrics/get-history?run_id=0123456789abcdef0123456789abcdef&metric_key=loss");
        var (noName, noNameBody) = await mlflow.PostAsync("experiments/create", new { });
        var (badLog, _) = await mlflow.PostAsync("runs/log-metric", new { run_id = "0123456789abcdef0123456789abcdef", key = "loss", value = 1, timestamp = 1 });

        Assert.Equal(HttpStatusCode.NotFound, missingExperiment);
        Assert.Equal("RESOURCE_DOES_NOT_EXIST", missingExperimentBody.GetProperty("error_code").GetString());
        Assert.False(string.IsNullOrEmpty(missingExperimentBody.GetProperty("message").GetString()));
        Assert.Equal(HttpStatusCode.NotFound, missingByName);
        Assert.Equal(HttpStatusCode.NotFound, missingRun);
        Assert.Equal("RESOURCE_DOES_NOT_EXIST", missingRunBody.GetProperty("error_code").GetString());
        Assert.Equal(HttpStatusCode.NotFound, missingHistory);
        Assert.Equal(HttpStatusCode.BadRequest, noName);
        Assert.Equal("INVALID_PARAMETER_VALUE", noNameBody.GetProperty("error_code").GetString());
        Assert.Equal(HttpStatusCode.NotFound, badLog);
    }

    [Theory]
    [InlineData("GET", "api/2.0/mlflow/experiments/list")]
    [InlineData("GET", "api/2.0/mlflow/registered-models/list")]
    [InlineData("GET", "api/2.0/mlflow/runs/create")]
    [InlineData("GET", "ajax-api/2.0/mlflow/experiments/search")]
    [InlineData("GET", "")]
    public async Task EveryOtherPath_AnswersMlflowsEndpointNotFound_InJson(string method, string path)
    {
        using var mlflow = await ClientAsync();

        var response = await mlflow.SendAsync(new HttpMethod(method), path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("ENDPOINT_NOT_FOUND", body.GetProperty("error_code").GetString());
        Assert.Contains("/api/2.0/mlflow/", body.GetProperty("message").GetString());
    }

    [Fact]
    public async Task NaNAndInfinity_AreStoredAndReturned_AsMlflowWritesThem()
    {
        using var mlflow = await ClientAsync();
        var (_, experiment) = await mlflow.PostAsync("experiments/create", new { name = "unstable" });
        var runId = await CreateRunAsync(mlflow, experiment.GetProperty("experiment_id").GetString()!, "diverged", 1);

        var (single, singleBody) = await mlflow.PostAsync("runs/log-metric", new { run_id = runId, key = "loss", value = "NaN", timestamp = 1, step = 0 });
        var (batch, batchBody) = await mlflow.PostAsync("runs/log-batch", new
        {
            run_id = runId,
            metrics = new object[]
            {
                new { key = "loss", value = "Infinity", timestamp = 2, step = 1 },
                new { key = "grad", value = "-Infinity", timestamp = 2, step = 1 },
                new { key = "acc", value = 0.5, timestamp = 2, step = 1 },
            },
        });
        var (_, history) = await mlflow.GetAsync($"metrics/get-history?run_id={runId}&metric_key=loss");
        var (_, run) = await mlflow.GetAsync($"runs/get?run_id={runId}");

        Assert.True(single == HttpStatusCode.OK, singleBody.ToString());
        Assert.True(batch == HttpStatusCode.OK, batchBody.ToString());
        Assert.Equal(["NaN", "Infinity"], history.GetProperty("metrics").EnumerateArray().Select(m => m.GetProperty("value").ToString()));
        var latest = run.GetProperty("run").GetProperty("data").GetProperty("metrics").EnumerateArray().ToDictionary(m => m.GetProperty("key").GetString()!, m => m.GetProperty("value").ToString());
        Assert.Equal("0.5", latest["acc"]);
        Assert.Equal("-Infinity", latest["grad"]);
        Assert.Equal("Infinity", latest["loss"]);
    }

    [Fact]
    public async Task ExperimentTags_RunTagDeletion_AndRestore_WorkAsInMlflow()
    {
        using var mlflow = await ClientAsync();
        var (_, experiment) = await mlflow.PostAsync("experiments/create", new { name = "tagged", tags = new[] { new { key = "owner", value = "ana" } } });
        var experimentId = experiment.GetProperty("experiment_id").GetString()!;
        var runId = await CreateRunAsync(mlflow, experimentId, "r1", 1);

        Assert.Equal(HttpStatusCode.OK, (await mlflow.PostAsync("experiments/set-experiment-tag", new { experiment_id = experimentId, key = "owner", value = "ben" })).Status);
        Assert.Equal(HttpStatusCode.OK, (await mlflow.PostAsync("experiments/set-experiment-tag", new { experiment_id = experimentId, key = "stage", value = "dev" })).Status);
        var (_, tagged) = await mlflow.GetAsync($"experiments/get?experiment_id={experimentId}");
        Assert.Equal(
            [("owner", "ben"), ("stage", "dev")],
            tagged.GetProperty("experiment").GetProperty("tags").EnumerateArray().Select(t => (t.GetProperty("key").GetString(), t.GetProperty("value").GetString())).OrderBy(t => t.Item1));

        Assert.Equal(HttpStatusCode.OK, (await mlflow.PostAsync("runs/delete-tag", new { run_id = runId, key = "team" })).Status);
        var (missingTag, missingTagBody) = await mlflow.PostAsync("runs/delete-tag", new { run_id = runId, key = "team" });
        var (_, untagged) = await mlflow.GetAsync($"runs/get?run_id={runId}");
        Assert.Equal(HttpStatusCode.NotFound, missingTag);
        Assert.Equal("RESOURCE_DOES_NOT_EXIST", missingTagBody.GetProperty("error_code").GetString());
        Assert.DoesNotContain(untagged.GetProperty("run").GetProperty("data").GetProperty("tags").EnumerateArray(), t => t.GetProperty("key").GetString() == "team");

        Assert.Equal(HttpStatusCode.OK, (await mlflow.PostAsync("runs/delete", new { run_id = runId })).Status);
        Assert.Equal(HttpStatusCode.OK, (await mlflow.PostAsync("runs/restore", new { run_id = runId })).Status);
        var (_, restoredRun) = await mlflow.GetAsync($"runs/get?run_id={runId}");
        Assert.Equal("active", restoredRun.GetProperty("run").GetProperty("info").GetProperty("lifecycle_stage").GetString());

        var (activeRestore, activeRestoreBody) = await mlflow.PostAsync("experiments/restore", new { experiment_id = experimentId });
        Assert.Equal(HttpStatusCode.BadRequest, activeRestore);
        Assert.Equal("INVALID_PARAMETER_VALUE", activeRestoreBody.GetProperty("error_code").GetString());
        Assert.Equal(HttpStatusCode.OK, (await mlflow.PostAsync("experiments/delete", new { experiment_id = experimentId })).Status);
        Assert.Equal(HttpStatusCode.OK, (await mlflow.PostAsync("experiments/restore", new { experiment_id = experimentId })).Status);
        var (_, restored) = await mlflow.GetAsync($"experiments/get?experiment_id={experimentId}");
        Assert.Equal("active", restored.GetProperty("experiment").GetProperty("lifecycle_stage").GetString());
    }

    [Fact]
    public async Task ParamValues_AreImmutable_AsInMlflow()
    {
        using var mlflow = await ClientAsync();
        var (_, experiment) = await mlflow.PostAsync("experiments/create", new { name = "immutable" });
        var runId = await CreateRunAsync(mlflow, experiment.GetProperty("experiment_id").GetString()!, "r", 1);
        await mlflow.PostAsync("runs/log-parameter", new { run_id = runId, key = "lr", value = "0.01" });

        var (same, _) = await mlflow.PostAsync("runs/log-parameter", new { run_id = runId, key = "lr", value = "0.01" });
        var (changed, body) = await mlflow.PostAsync("runs/log-parameter", new { run_id = runId, key = "lr", value = "0.5" });

        Assert.Equal(HttpStatusCode.OK, same);
        Assert.Equal(HttpStatusCode.BadRequest, changed);
        Assert.Contains("Changing param values is not allowed", body.GetProperty("message").GetString());
    }

    [Fact]
    public async Task PrivateRepository_RequiresAuthentication_AndReadOnlyTokensCannotLog()
    {
        var (user, _, readToken, repo) = await portal.CreateProjectAsync();
        using var anonymous = portal.CreateClient();
        using var reader = portal.CreateClient();
        reader.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{readToken}")));

        var anonymousResponse = await anonymous.GetAsync($"/{user}/{repo}.mlflow/api/2.0/mlflow/experiments/get-by-name?experiment_name=x");
        var readerWrite = await reader.PostAsync($"/{user}/{repo}.mlflow/api/2.0/mlflow/experiments/create", new StringContent("{\"name\":\"x\"}", Encoding.UTF8, "application/json"));
        var readerRead = await reader.PostAsync($"/{user}/{repo}.mlflow/api/2.0/mlflow/experiments/search", new StringContent("{}", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Unauthorized, anonymousResponse.StatusCode);
        Assert.Equal("UNAUTHENTICATED", (await anonymousResponse.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error_code").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, readerWrite.StatusCode);
        Assert.Equal("PERMISSION_DENIED", (await readerWrite.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error_code").GetString());
        Assert.Equal(HttpStatusCode.OK, readerRead.StatusCode);
    }
}
