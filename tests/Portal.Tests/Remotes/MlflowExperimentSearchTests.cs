using System.Net;
using System.Text;
using System.Text.Json;

namespace Portal.Tests.Remotes;

/// <summary>experiments/search's filter and order_by, as MLflow's client sends them (SearchExperiments: filter, order_by, view_type).</summary>
public sealed class MlflowExperimentSearchTests(RemotePortalFactory portal) : IClassFixture<RemotePortalFactory>
{
    [Fact]
    public async Task ExperimentsSearch_FiltersOnNameAndTags_OrdersAndPages_InMlflowsWay()
    {
        var (user, token, _, repo) = await portal.CreateProjectAsync();
        using var client = portal.BasicClient(user, token);
        var api = $"/{user}/{repo}.mlflow/api/2.0/mlflow";
        foreach (var (name, team) in new[] { ("sweep-a", "vision"), ("Sweep-B", "nlp"), ("baseline", "vision"), ("sweep_c", "speech") })
        {
            var (created, _) = await PostAsync(client, $"{api}/experiments/create", new { name, tags = new[] { new { key = "team", value = team } } });
            Assert.Equal(HttpStatusCode.OK, created);
        }

        async Task<string[]> NamesAsync(object body)
        {
            var (status, answer) = await PostAsync(client, $"{api}/experiments/search", body);
            Assert.True(status == HttpStatusCode.OK, answer.ToString());
            return [.. answer.GetProperty("experiments").EnumerateArray().Select(e => e.GetProperty("name").GetString()!)];
        }

        Assert.Equal(["sweep-a", "sweep_c"], await NamesAsync(new { filter = "name LIKE 'sweep%'", order_by = new[] { "name ASC" } }));
        Assert.Equal(["Sweep-B", "sweep-a", "sweep_c"], await NamesAsync(new { filter = "attributes.name ILIKE 'sweep%'", order_by = new[] { "name" } }));
        Assert.Equal(["baseline", "sweep-a"], await NamesAsync(new { filter = "tags.team = 'vision'", order_by = new[] { "attributes.name" } }));
        Assert.Equal(["sweep_c", "baseline", "Sweep-B", "sweep-a"], await NamesAsync(new { order_by = new[] { "experiment_id DESC" } }));
        var (_, first) = await PostAsync(client, $"{api}/experiments/search", new { max_results = 3, order_by = new[] { "name" } });
        var second = await NamesAsync(new { max_results = 3, order_by = new[] { "name" }, page_token = first.GetProperty("next_page_token").GetString() });
        Assert.Equal(["sweep_c"], second);

        var (bad, badBody) = await PostAsync(client, $"{api}/experiments/search", new { filter = "color = 'red'" });
        Assert.Equal(HttpStatusCode.BadRequest, bad);
        Assert.Equal("INVALID_PARAMETER_VALUE", badBody.GetProperty("error_code").GetString());
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(HttpClient client, string url, object body)
    {
        var response = await client.PostAsync(url, new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"));
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }
}
