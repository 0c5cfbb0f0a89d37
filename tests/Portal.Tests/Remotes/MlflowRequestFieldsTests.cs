using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Portal.Web.Remotes;

namespace Portal.Tests.Remotes;

/// <summary>
/// Every MLflow endpoint takes exactly the fields of its request message in MLflow's protos and refuses any other
/// with INVALID_PARAMETER_VALUE, naming the field and the fields it takes, changing nothing. That every field real
/// clients send is accepted is what the ClientFlow_* replays prove: they send the bodies MLflow 2 and 3 clients send.
/// </summary>
public sealed class MlflowRequestFieldsTests(RemotePortalFactory portal) : IClassFixture<RemotePortalFactory>
{
    private static void AssertRefused((HttpStatusCode Status, JsonElement Body) answer, string field, string accepted)
    {
        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal("INVALID_PARAMETER_VALUE", answer.Body.GetProperty("error_code").GetString());
        var message = answer.Body.GetProperty("message").GetString();
        Assert.Contains($"'{field}'", message, StringComparison.Ordinal);
        Assert.Contains(accepted, message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TypoedFields_AreRefusedNamingTheFieldAndWhatTheEndpointTakes_AndChangeNothing()
    {
        var (user, token, _, repository) = await portal.CreateProjectAsync();
        using var mlflow = MlflowReplay.For(portal, user, token, repository);
        var experimentId = (await mlflow.OkAsync(mlflow.PostAsync("experiments/create", new { name = "fields" }))).GetProperty("experiment_id").GetString()!;
        var runId = (await mlflow.OkAsync(mlflow.PostAsync("runs/create", new { experiment_id = experimentId, start_time = 1L }))).GetProperty("run").GetProperty("info").GetProperty("run_id").GetString()!;
        var modelId = (await mlflow.OkAsync(mlflow.PostAsync("logged-models", new { experiment_id = experimentId, name = "m" }))).GetProperty("model").GetProperty("info").GetProperty("model_id").GetString()!;

        var batch = await mlflow.PostAsync("runs/log-batch", new { run_id = runId, metric = new[] { new { key = "loss", value = 0.5, timestamp = 1L, step = 0 } }, @params = new[] { new { key = "lr", value = "0.1" } } });
        var experiment = await mlflow.PostAsync("experiments/create", new { nmae = "typo", name = "typo" });
        var get = await mlflow.GetAsync("runs/get", new { run_id = runId, run_idd = runId });
        var registered = await mlflow.PostAsync("registered-models/create", new { name = "typo", descripton = "x" });
        var finalize = await mlflow.PatchAsync($"logged-models/{modelId}", new { model_id = modelId, stauts = "LOGGED_MODEL_READY" });
        var update = await mlflow.PostAsync("runs/update", new { run_id = runId, status = "FINISHED", endtime = 5L });

        AssertRefused(batch, "metric", "it takes run_id, metrics, params, tags");
        AssertRefused(experiment, "nmae", "it takes name, artifact_location, tags");
        AssertRefused(get, "run_idd", "it takes run_id, run_uuid");
        AssertRefused(registered, "descripton", "it takes name, tags, description, deployment_job_id");
        AssertRefused(finalize, "stauts", "it takes model_id, status");
        AssertRefused(update, "endtime", "it takes run_id, run_uuid, status, end_time, run_name");
        Assert.Contains("runs/log-batch", batch.Body.GetProperty("message").GetString(), StringComparison.Ordinal);

        var run = (await mlflow.OkAsync(mlflow.GetAsync("runs/get", new { run_id = runId }))).GetProperty("run");
        Assert.Equal("RUNNING", run.GetProperty("info").GetProperty("status").GetString());
        Assert.False(run.GetProperty("data").TryGetProperty("params", out var parameters) && parameters.GetArrayLength() > 0);
        var (typoExperiment, _) = await mlflow.GetAsync("experiments/get-by-name", new { experiment_name = "typo" });
        var (typoModel, _) = await mlflow.GetAsync("registered-models/get", new { name = "typo" });
        var model = await mlflow.OkAsync(mlflow.GetAsync($"logged-models/{modelId}"));
        Assert.Equal(HttpStatusCode.NotFound, typoExperiment);
        Assert.Equal(HttpStatusCode.NotFound, typoModel);
        Assert.Equal("LOGGED_MODEL_PENDING", model.GetProperty("model").GetProperty("info").GetProperty("status").GetString());
    }

    [Fact]
    public void EveryMlflowEndpoint_HasExactlyOneRowInTheFieldTable()
    {
        var mapped = portal.Services.GetServices<EndpointDataSource>()
            .SelectMany(source => source.Endpoints)
            .OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => MlflowRequestFields.KeyOf(m, e.RoutePattern.RawText ?? "")))
            .OfType<string>()
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.NotEmpty(mapped);
        Assert.Equal(mapped, MlflowRequestFields.Endpoints.Order(StringComparer.Ordinal));
    }
}
