using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Portal.Tests.Remotes;

/// <summary>
/// Requests as MLflow's Python client sends them (mlflow/utils/rest_utils.py, call_endpoint): GET puts the request's
/// fields in the query string (lists as repeated parameters, as requests does), POST, PATCH and DELETE send them as a
/// JSON body (no fields: an empty body, Content-Length 0, as requests sends). Authenticates with MLFLOW_TRACKING_USERNAME/PASSWORD as Basic auth.
/// </summary>
public sealed class MlflowReplay(HttpClient client, string remote) : IDisposable
{
    public static MlflowReplay For(RemotePortalFactory portal, string user, string secret, string repository)
    {
        var client = portal.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{secret}")));
        return new MlflowReplay(client, $"/{user}/{repository}.mlflow");
    }

    public Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(string endpoint, object? fields = null) => CallAsync(HttpMethod.Get, endpoint, fields);

    public Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string endpoint, object? body = null) => CallAsync(HttpMethod.Post, endpoint, body ?? new { });

    public Task<(HttpStatusCode Status, JsonElement Body)> PatchAsync(string endpoint, object body) => CallAsync(HttpMethod.Patch, endpoint, body);

    public Task<(HttpStatusCode Status, JsonElement Body)> DeleteAsync(string endpoint, object? body = null) => CallAsync(HttpMethod.Delete, endpoint, body);

    /// <summary>A call that must succeed; returns the response body.</summary>
    public async Task<JsonElement> OkAsync(Task<(HttpStatusCode Status, JsonElement Body)> call)
    {
        var (status, body) = await call;
        Assert.True(status == HttpStatusCode.OK, $"{status}: {body}");
        return body;
    }

    public async Task<(HttpStatusCode Status, JsonElement Body)> CallAsync(HttpMethod method, string endpoint, object? fields)
    {
        var url = $"{remote}/api/2.0/mlflow/{endpoint}";
        using var request = method == HttpMethod.Get
            ? new HttpRequestMessage(method, fields is null ? url : $"{url}?{Query(fields)}")
            : new HttpRequestMessage(method, url) { Content = fields is null ? new ByteArrayContent([]) : new StringContent(JsonSerializer.Serialize(fields), Encoding.UTF8, "application/json") };
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>
    /// log_artifact(s) into an artifact URI ("mlflow-artifacts:/…", a run's or a logged model's): the PUT of
    /// http_artifact_repo.py at {tracking}/api/2.0/mlflow-artifacts/artifacts/{uri path}/{file}.
    /// </summary>
    public async Task<HttpStatusCode> PutArtifactAsync(string artifactUri, string file, byte[] content)
    {
        using var body = new ByteArrayContent(content);
        body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var response = await client.PutAsync($"{ArtifactsService}/{StorePath(artifactUri)}/{file}", body);
        return response.StatusCode;
    }

    /// <summary>list_artifacts of a folder below an artifact URI: the names and sizes the store answers.</summary>
    public async Task<IReadOnlyList<(string Path, long? Size)>> ListArtifactsAsync(string artifactUri)
    {
        var listed = await client.GetFromJsonAsync<JsonElement>($"{ArtifactsService}?path={Uri.EscapeDataString(StorePath(artifactUri))}");
        return listed.TryGetProperty("files", out var files)
            ? [.. files.EnumerateArray().Select(f => (f.GetProperty("path").GetString()!, f.TryGetProperty("file_size", out var size) ? size.GetInt64() : (long?)null))]
            : [];
    }

    public Task<byte[]> DownloadArtifactAsync(string artifactUri, string file) => client.GetByteArrayAsync($"{ArtifactsService}/{StorePath(artifactUri)}/{file}");

    private string ArtifactsService => $"{remote}/api/2.0/mlflow-artifacts/artifacts";

    private static string StorePath(string artifactUri)
    {
        Assert.StartsWith("mlflow-artifacts:/", artifactUri, StringComparison.Ordinal);
        return artifactUri["mlflow-artifacts:/".Length..].TrimEnd('/');
    }

    /// <summary>The fields as requests encodes a params dict: a list becomes the key repeated.</summary>
    private static string Query(object fields)
    {
        var pairs = new List<string>();
        foreach (var property in JsonSerializer.SerializeToElement(fields).EnumerateObject())
        {
            var values = property.Value.ValueKind == JsonValueKind.Array ? property.Value.EnumerateArray().ToList() : [property.Value];
            pairs.AddRange(values.Select(v => $"{Uri.EscapeDataString(property.Name)}={Uri.EscapeDataString(v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText())}"));
        }

        return string.Join('&', pairs);
    }

    public void Dispose() => client.Dispose();
}
