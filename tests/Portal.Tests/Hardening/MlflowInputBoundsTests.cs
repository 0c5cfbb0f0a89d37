using System.Net;
using System.Text;
using System.Text.Json;
using Portal.Tests.Remotes;

namespace Portal.Tests.Hardening;

/// <summary>What an MLflow client (or anyone with read access) may send: every string bounded, every filter answered.</summary>
[Trait("Category", "Hardening")]
public sealed class MlflowInputBoundsTests(RemotePortalFactory portal) : IClassFixture<RemotePortalFactory>
{
    private async Task<(HttpClient Client, string Base)> ClientAsync()
    {
        var (user, token, _, repo) = await portal.CreateProjectAsync();
        return (portal.BasicClient(user, token), $"/{user}/{repo}.mlflow/api/2.0/mlflow");
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(HttpClient client, string url, object body)
    {
        var response = await client.PostAsync(url, new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"));
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    [Fact]
    public async Task HostileSearchFilters_AreAnsweredWithMlflowErrors_NeverA500()
    {
        var (client, api) = await ClientAsync();
        using var _ = client;
        var (_, experiment) = await PostAsync(client, $"{api}/experiments/create", new { name = "hostile" });
        var experimentId = experiment.GetProperty("experiment_id").GetString()!;
        var (_, run) = await PostAsync(client, $"{api}/runs/create", new { experiment_id = experimentId, start_time = 1 });
        var runId = run.GetProperty("run").GetProperty("info").GetProperty("run_id").GetString()!;
        await PostAsync(client, $"{api}/runs/log-parameter", new { run_id = runId, key = "p", value = new string('a', 6000) });
        string[] hostile =
        [
            new string('(', 4000),
            "params.p = '" + new string('x', 5000) + "'",
            "params.p = 'unterminated",
            "metrics.`" + new string('k', 3000),
            "params.p \u0000 = 'a'",
            "params.p LIKE 5",
            "tags.t = 'a' OR tags.t = 'b'",
            "attributes.nope = 'x'",
            "metrics.m LIKE 'x'",
            "=!<>",
        ];

        foreach (var filter in hostile)
        {
            var (status, body) = await PostAsync(client, $"{api}/runs/search", new { experiment_ids = new[] { experimentId }, filter });

            Assert.True(status == HttpStatusCode.BadRequest, $"{status} for filter {filter[..Math.Min(40, filter.Length)]}");
            Assert.Equal("INVALID_PARAMETER_VALUE", body.GetProperty("error_code").GetString());
            Assert.InRange(body.GetProperty("message").GetString()!.Length, 10, 400);
        }

        // Forty wildcards over 6,000 characters: a backtracking regex gives up (or takes ages) here.
        var pattern = string.Concat(Enumerable.Repeat("%a", 40));
        var (miss, missBody) = await PostAsync(client, $"{api}/runs/search", new { experiment_ids = new[] { experimentId }, filter = $"params.p LIKE '{pattern}b'" });
        var (hit, hitBody) = await PostAsync(client, $"{api}/runs/search", new { experiment_ids = new[] { experimentId }, filter = $"params.p LIKE '{pattern}'" });
        Assert.Equal(HttpStatusCode.OK, miss);
        Assert.False(missBody.TryGetProperty("runs", out var none) && none.GetArrayLength() > 0);
        Assert.Equal(HttpStatusCode.OK, hit);
        Assert.Equal(runId, hitBody.GetProperty("runs")[0].GetProperty("info").GetProperty("run_id").GetString());
    }

    [Fact]
    public async Task NamesAndValuesOverMlflowsLimits_AreRefused_AndNothingIsCreated()
    {
        var (client, api) = await ClientAsync();
        using var _ = client;
        var (_, experiment) = await PostAsync(client, $"{api}/experiments/create", new { name = "limits" });
        var experimentId = experiment.GetProperty("experiment_id").GetString()!;

        var refused = new[]
        {
            await PostAsync(client, $"{api}/experiments/create", new { name = new string('e', 501) }),
            await PostAsync(client, $"{api}/experiments/create", new { name = "long-location", artifact_location = new string('l', 2049) }),
            await PostAsync(client, $"{api}/experiments/create", new { name = "long-tag", tags = new[] { new { key = "k", value = new string('v', 5001) } } }),
            await PostAsync(client, $"{api}/experiments/update", new { experiment_id = experimentId, new_name = new string('e', 501) }),
            await PostAsync(client, $"{api}/runs/create", new { experiment_id = experimentId, run_name = new string('r', 251) }),
            await PostAsync(client, $"{api}/runs/create", new { experiment_id = experimentId, user_id = new string('u', 257) }),
            await PostAsync(client, $"{api}/runs/create", new { experiment_id = experimentId, tags = new[] { new { key = "k", value = new string('v', 8001) } } }),
            await PostAsync(client, $"{api}/runs/create", new { experiment_id = experimentId, tags = new[] { new { key = "../escape", value = "v" } } }),
        };

        Assert.All(refused, r =>
        {
            Assert.Equal(HttpStatusCode.BadRequest, r.Status);
            Assert.Equal("INVALID_PARAMETER_VALUE", r.Body.GetProperty("error_code").GetString());
        });
        Assert.Contains("exceeded length limit of 250", refused[4].Body.GetProperty("message").GetString());
        var (_, experiments) = await PostAsync(client, $"{api}/experiments/search", new { max_results = 10 });
        Assert.Equal(["limits"], experiments.GetProperty("experiments").EnumerateArray().Select(e => e.GetProperty("name").GetString()));
        var (_, runs) = await PostAsync(client, $"{api}/runs/search", new { experiment_ids = new[] { experimentId } });
        Assert.False(runs.TryGetProperty("runs", out var found) && found.GetArrayLength() > 0);
    }
}
