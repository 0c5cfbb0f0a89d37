using System.Net;
using System.Text;
using System.Text.Json;

namespace Portal.Tests.Remotes;

/// <summary>
/// Page tokens as MLflow's server gives them out (base64 of {"offset": N}, SearchUtils.create_page_token) and refuses
/// them (INVALID_PARAMETER_VALUE "Invalid page token…"): a token that is not one Portal gave out is an error, not a
/// silent restart from the first page.
/// </summary>
public sealed class MlflowPageTokenTests(RemotePortalFactory portal) : IClassFixture<RemotePortalFactory>
{
    [Fact]
    public async Task NextPageToken_IsMlflowsOffsetToken_AndLeadsToTheNextPage()
    {
        var (user, token, _, repo) = await portal.CreateProjectAsync();
        using var client = portal.BasicClient(user, token);
        var api = $"/{user}/{repo}.mlflow/api/2.0/mlflow";
        var (_, experiment) = await PostAsync(client, $"{api}/experiments/create", new { name = "paged" });
        var experimentId = experiment.GetProperty("experiment_id").GetString()!;
        for (var i = 0; i < 3; i++)
        {
            await PostAsync(client, $"{api}/runs/create", new { experiment_id = experimentId, start_time = i });
        }

        var (_, first) = await PostAsync(client, $"{api}/runs/search", new { experiment_ids = new[] { experimentId }, max_results = 2 });
        var next = first.GetProperty("next_page_token").GetString()!;
        var (_, second) = await PostAsync(client, $"{api}/runs/search", new { experiment_ids = new[] { experimentId }, max_results = 2, page_token = next });

        Assert.Equal("{\"offset\":2}", Encoding.UTF8.GetString(Convert.FromBase64String(next)));
        Assert.Equal(2, first.GetProperty("runs").GetArrayLength());
        Assert.Equal(1, second.GetProperty("runs").GetArrayLength());
        Assert.False(second.TryGetProperty("next_page_token", out var none) && none.ValueKind == JsonValueKind.String);
    }

    [Theory]
    [InlineData("not base64!")]
    [InlineData("MTAw")]
    [InlineData("eyJvZmZzZXQiOiAtNX0=")]
    public async Task AMalformedPageToken_IsInvalidParameterValue_OnEverySearch(string pageToken)
    {
        var (user, token, _, repo) = await portal.CreateProjectAsync();
        using var client = portal.BasicClient(user, token);
        var api = $"/{user}/{repo}.mlflow/api/2.0/mlflow";
        var escaped = Uri.EscapeDataString(pageToken);

        var answers = new List<(string Endpoint, HttpResponseMessage Response)>
        {
            ("runs/search", await client.PostAsync($"{api}/runs/search", Json(new { experiment_ids = new[] { "0" }, page_token = pageToken }))),
            ("experiments/search", await client.PostAsync($"{api}/experiments/search", Json(new { page_token = pageToken }))),
            ("logged-models/search", await client.PostAsync($"{api}/logged-models/search", Json(new { experiment_ids = new[] { "0" }, page_token = pageToken }))),
            ("registered-models/search", await client.GetAsync($"{api}/registered-models/search?page_token={escaped}")),
            ("model-versions/search", await client.GetAsync($"{api}/model-versions/search?page_token={escaped}")),
        };

        foreach (var (endpoint, response) in answers)
        {
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{endpoint}: {response.StatusCode}");
            Assert.Equal("INVALID_PARAMETER_VALUE", body.GetProperty("error_code").GetString());
            Assert.StartsWith("Invalid page token", body.GetProperty("message").GetString());
        }
    }

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    private static async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(HttpClient client, string url, object body)
    {
        var response = await client.PostAsync(url, Json(body));
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }
}
