using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Data;
using Portal.Core.Experiments;

namespace Portal.Tests.Remotes;

/// <summary>The runs table's column chooser: every key the experiment's active runs were logged with, read from a real database.</summary>
public sealed class RunColumnsServiceTests(RemotePortalFactory portal) : IClassFixture<RemotePortalFactory>
{
    [Fact]
    public async Task ForExperiment_ListsEveryParamAndMetricKeyOfActiveRuns_InKeyOrder_NotDeletedRunsOrOtherExperiments()
    {
        var (user, token, _, repo) = await portal.CreateProjectAsync();
        using var client = portal.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{token}")));
        async Task<JsonElement> PostAsync(string endpoint, object body)
        {
            var response = await client.PostAsJsonAsync($"/{user}/{repo}.mlflow/api/2.0/mlflow/{endpoint}", body);
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
            return await response.Content.ReadFromJsonAsync<JsonElement>();
        }

        async Task<string> RunAsync(string experimentId, string[] @params, string[] metrics)
        {
            var runId = (await PostAsync("runs/create", new { experiment_id = experimentId, start_time = 1 })).GetProperty("run").GetProperty("info").GetProperty("run_id").GetString()!;
            await PostAsync("runs/log-batch", new
            {
                run_id = runId,
                @params = @params.Select(key => new { key, value = "v" }),
                metrics = metrics.Select(key => new { key, value = 1.0, timestamp = 1, step = 0 }),
            });
            return runId;
        }

        var sweep = (await PostAsync("experiments/create", new { name = "sweep" })).GetProperty("experiment_id").GetString()!;
        var other = (await PostAsync("experiments/create", new { name = "other" })).GetProperty("experiment_id").GetString()!;
        // Nine metric keys over two runs: more than the table's first page of columns, and no run has them all.
        await RunAsync(sweep, ["lr", "optimizer"], ["m1", "m2", "m3", "m4", "m5"]);
        await RunAsync(sweep, ["batch size", "lr"], ["m6", "m7", "m8", "val_loss"]);
        var deleted = await RunAsync(sweep, ["deleted_param"], ["deleted_metric"]);
        await PostAsync("runs/delete", new { run_id = deleted });
        await RunAsync(other, ["other_param"], ["other_metric"]);

        await using var scope = portal.Services.CreateAsyncScope();
        var repositoryId = await scope.ServiceProvider.GetRequiredService<PortalDbContext>().Repositories.Where(r => r.Name == repo).Select(r => r.Id).SingleAsync();
        var columns = await scope.ServiceProvider.GetRequiredService<RunColumnsService>().ForExperimentAsync(repositoryId, long.Parse(sweep, CultureInfo.InvariantCulture), default);

        Assert.Equal(["batch size", "lr", "optimizer"], columns.ParamKeys);
        Assert.Equal(["m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "val_loss"], columns.MetricKeys);
        Assert.Equal(2, columns.ActiveRuns);

        var elsewhere = await scope.ServiceProvider.GetRequiredService<RunColumnsService>().ForExperimentAsync(repositoryId + 1_000_000, long.Parse(sweep, CultureInfo.InvariantCulture), default);
        Assert.Empty(elsewhere.ParamKeys);
        Assert.Equal(0, elsewhere.ActiveRuns);
    }
}
