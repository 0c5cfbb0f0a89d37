using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Data;

namespace Portal.Tests.Remotes;

/// <summary>
/// The artifact store of the MLflow remote, driven request by request as MLflow's client sends them
/// (mlflow/store/artifact/http_artifact_repo.py, reached through mlflow_artifacts_repo.py): the run's artifact_uri
/// "mlflow-artifacts:/&lt;experiment&gt;/&lt;run&gt;/artifacts" resolves against the tracking URI to
/// {tracking}/api/2.0/mlflow-artifacts/artifacts/&lt;experiment&gt;/&lt;run&gt;/artifacts; log_artifact PUTs each file
/// there (Content-Type guessed from the name), list_artifacts GETs …/mlflow-artifacts/artifacts?path=&lt;folder&gt;,
/// _download_file GETs the file, delete_artifacts DELETEs it. The storage quota here is 64 KiB.
/// </summary>
public sealed class MlflowArtifactTests(RemotePortalFactory portal) : IClassFixture<RemotePortalFactory>
{
    /// <summary>A 1×1 PNG, as matplotlib's savefig would write a (much larger) plot.</summary>
    private static readonly byte[] Png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGNgaPgPAAIDAYAkYfWXAAAAAElFTkSuQmCC");

    /// <summary>The remote of one new repository, as MLFLOW_TRACKING_URI names it, and a client with MLFLOW_TRACKING_USERNAME/PASSWORD.</summary>
    private sealed record Remote(HttpClient Client, string Tracking, string User, string ReadToken, string Repository) : IDisposable
    {
        public string ArtifactsService => $"{Tracking}/api/2.0/mlflow-artifacts/artifacts";

        public async Task<JsonElement> PostAsync(string endpoint, object body)
        {
            var response = await Client.PostAsJsonAsync($"{Tracking}/api/2.0/mlflow/{endpoint}", body);
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
            return await response.Content.ReadFromJsonAsync<JsonElement>();
        }

        public async Task<JsonElement> GetAsync(string endpointWithQuery) =>
            await Client.GetFromJsonAsync<JsonElement>($"{Tracking}/api/2.0/mlflow/{endpointWithQuery}");

        /// <summary>MlflowArtifactsRepository.resolve_uri: {tracking path}/api/2.0/mlflow-artifacts/artifacts/{uri path}.</summary>
        public string Resolve(string artifactUri)
        {
            Assert.StartsWith("mlflow-artifacts:/", artifactUri, StringComparison.Ordinal);
            return $"{ArtifactsService}/{artifactUri["mlflow-artifacts:/".Length..]}";
        }

        /// <summary>list_artifacts(path): the folder below the artifact URI, as ?path=.</summary>
        public async Task<(HttpStatusCode Status, string Body)> ListAsync(string folder)
        {
            var response = await Client.GetAsync($"{ArtifactsService}?path={Uri.EscapeDataString(folder)}");
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        public void Dispose() => Client.Dispose();
    }

    private async Task<Remote> RemoteAsync(string visibility = "private")
    {
        var (user, token, readToken, repo) = await portal.CreateProjectAsync(visibility);
        return new Remote(portal.BasicClient(user, token), $"/{user}/{repo}.mlflow", user, readToken, repo);
    }

    /// <summary>mlflow.start_run(): the experiment, then the run; returns the run's artifact URI and its folder in the store.</summary>
    private static async Task<(string ArtifactUri, string Folder)> StartRunAsync(Remote remote)
    {
        var experiment = await remote.PostAsync("experiments/create", new { name = $"exp-{Guid.NewGuid():N}" });
        var run = await remote.PostAsync("runs/create", new { experiment_id = experiment.GetProperty("experiment_id").GetString(), start_time = 1_700_000_000_000L });
        var uri = run.GetProperty("run").GetProperty("info").GetProperty("artifact_uri").GetString()!;
        return (uri, uri["mlflow-artifacts:/".Length..]);
    }

    /// <summary>log_artifact's PUT: the file as the body (requests sends its length), with the type mimetypes guesses.</summary>
    private static Task<HttpResponseMessage> PutAsync(HttpClient client, string url, byte[] content, string contentType = "application/octet-stream")
    {
        var body = new ByteArrayContent(content);
        body.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return client.PutAsync(url, body);
    }

    private static async Task<string> ErrorCodeAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error_code").GetString()!;
    }

    [Fact]
    public async Task RunsAndExperiments_GetMlflowArtifactsUris_AndRunsMadeBeforeTheStoreToo()
    {
        using var remote = await RemoteAsync();
        var experiment = await remote.PostAsync("experiments/create", new { name = "vision" });
        var experimentId = experiment.GetProperty("experiment_id").GetString()!;
        var run = await remote.PostAsync("runs/create", new { experiment_id = experimentId, start_time = 1L });
        var runId = run.GetProperty("run").GetProperty("info").GetProperty("run_id").GetString()!;
        var elsewhere = await remote.PostAsync("experiments/create", new { name = "on-s3", artifact_location = "s3://bucket/vision" });
        var s3Run = await remote.PostAsync("runs/create", new { experiment_id = elsewhere.GetProperty("experiment_id").GetString(), start_time = 1L });
        var old = await remote.PostAsync("runs/create", new { experiment_id = experimentId, start_time = 1L });
        var oldId = old.GetProperty("run").GetProperty("info").GetProperty("run_id").GetString()!;
        // What runs/create stored before the artifact store existed: the experiment's empty location, then "<run>/artifacts".
        await using (var scope = portal.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<PortalDbContext>().TrackingRuns.Where(r => r.Id == oldId).ExecuteUpdateAsync(r => r.SetProperty(x => x.ArtifactUri, $"{oldId}/artifacts"));
        }

        var gotExperiment = await remote.GetAsync($"experiments/get?experiment_id={experimentId}");
        var gotOld = await remote.GetAsync($"runs/get?run_id={oldId}");

        Assert.Equal($"mlflow-artifacts:/{experimentId}", gotExperiment.GetProperty("experiment").GetProperty("artifact_location").GetString());
        Assert.Equal($"mlflow-artifacts:/{experimentId}/{runId}/artifacts", run.GetProperty("run").GetProperty("info").GetProperty("artifact_uri").GetString());
        Assert.Equal($"mlflow-artifacts:/{experimentId}/{oldId}/artifacts", gotOld.GetProperty("run").GetProperty("info").GetProperty("artifact_uri").GetString());
        Assert.Equal($"s3://bucket/vision/{s3Run.GetProperty("run").GetProperty("info").GetProperty("run_id").GetString()}/artifacts", s3Run.GetProperty("run").GetProperty("info").GetProperty("artifact_uri").GetString());
    }

    [Fact]
    public async Task ClientFlow_LogArtifactFileAndLogArtifactsDirectory_ThenListAndDownloadTheSameBytes()
    {
        using var remote = await RemoteAsync();
        var (uri, folder) = await StartRunAsync(remote);
        var artifacts = remote.Resolve(uri);
        var model = RandomNumberGenerator.GetBytes(5_000);
        var config = Encoding.UTF8.GetBytes("{\"lr\": 0.01, \"layers\": [64, 64]}");
        var table = Encoding.UTF8.GetBytes("epoch,loss\n1,0.5\n2,0.25\n");

        // mlflow.log_artifact("model.pkl"): one PUT at the run's root.
        var logged = await PutAsync(remote.Client, $"{artifacts}/model.pkl", model);
        // mlflow.log_artifacts("out", artifact_path="outputs"): os.walk order, one PUT per file, sub-folders as path parts.
        var puts = new[]
        {
            await PutAsync(remote.Client, $"{artifacts}/outputs/config.json", config, "application/json"),
            await PutAsync(remote.Client, $"{artifacts}/outputs/plots/loss.png", Png, "image/png"),
            await PutAsync(remote.Client, $"{artifacts}/outputs/plots/history.csv", table, "text/csv"),
        };

        Assert.Equal(HttpStatusCode.OK, logged.StatusCode);
        Assert.Equal("{}", await logged.Content.ReadAsStringAsync());
        Assert.All(puts, put => Assert.Equal(HttpStatusCode.OK, put.StatusCode));

        // MlflowClient.list_artifacts(run_id) and (run_id, "outputs"), (run_id, "outputs/plots"): names relative to the folder.
        Assert.Equal((HttpStatusCode.OK, "{\"files\":[{\"path\":\"model.pkl\",\"is_dir\":false,\"file_size\":5000},{\"path\":\"outputs\",\"is_dir\":true}]}"), await remote.ListAsync(folder));
        Assert.Equal((HttpStatusCode.OK, $"{{\"files\":[{{\"path\":\"config.json\",\"is_dir\":false,\"file_size\":{config.Length}}},{{\"path\":\"plots\",\"is_dir\":true}}]}}"), await remote.ListAsync($"{folder}/outputs"));
        Assert.Equal((HttpStatusCode.OK, $"{{\"files\":[{{\"path\":\"history.csv\",\"is_dir\":false,\"file_size\":{table.Length}}},{{\"path\":\"loss.png\",\"is_dir\":false,\"file_size\":{Png.Length}}}]}}"), await remote.ListAsync($"{folder}/outputs/plots"));
        // download_artifacts asks whether a path is a folder by listing it: a file and a missing path list as {}.
        Assert.Equal((HttpStatusCode.OK, "{}"), await remote.ListAsync($"{folder}/model.pkl"));
        Assert.Equal((HttpStatusCode.OK, "{}"), await remote.ListAsync($"{folder}/nothing-here"));

        // _download_file: a streamed GET of each file.
        Assert.Equal(model, await remote.Client.GetByteArrayAsync($"{artifacts}/model.pkl"));
        Assert.Equal(config, await remote.Client.GetByteArrayAsync($"{artifacts}/outputs/config.json"));
        var image = await remote.Client.GetAsync($"{artifacts}/outputs/plots/loss.png");
        Assert.Equal(Png, await image.Content.ReadAsByteArrayAsync());
        Assert.Equal("image/png", image.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", image.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("loss.png", image.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        Assert.Contains("nosniff", image.Headers.GetValues("X-Content-Type-Options"));

        var missing = await remote.Client.GetAsync($"{artifacts}/outputs/nope.bin");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("RESOURCE_DOES_NOT_EXIST", await ErrorCodeAsync(missing));
    }

    [Fact]
    public async Task Download_HonoursRange()
    {
        using var remote = await RemoteAsync();
        var (uri, _) = await StartRunAsync(remote);
        var weights = RandomNumberGenerator.GetBytes(20_000);
        await PutAsync(remote.Client, $"{remote.Resolve(uri)}/weights.bin", weights);

        var request = new HttpRequestMessage(HttpMethod.Get, $"{remote.Resolve(uri)}/weights.bin");
        request.Headers.Range = new RangeHeaderValue(1_000, 1_999);
        var part = await remote.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
        Assert.Equal(weights[1_000..2_000], await part.Content.ReadAsByteArrayAsync());
        Assert.Equal(weights.Length, part.Content.Headers.ContentRange?.Length);
    }

    [Fact]
    public async Task Delete_RemovesAFileOrAFolder_AndGivesItsBytesBack()
    {
        using var remote = await RemoteAsync();
        var (uri, folder) = await StartRunAsync(remote);
        var artifacts = remote.Resolve(uri);
        await PutAsync(remote.Client, $"{artifacts}/keep.txt", Encoding.UTF8.GetBytes("keep"));
        await PutAsync(remote.Client, $"{artifacts}/checkpoints/a.bin", RandomNumberGenerator.GetBytes(20_000));
        await PutAsync(remote.Client, $"{artifacts}/checkpoints/deeper/b.bin", RandomNumberGenerator.GetBytes(20_000));
        await PutAsync(remote.Client, $"{artifacts}/big.bin", RandomNumberGenerator.GetBytes(20_000));

        var file = await remote.Client.DeleteAsync($"{artifacts}/big.bin");
        var tree = await remote.Client.DeleteAsync($"{artifacts}/checkpoints");
        var absent = await remote.Client.DeleteAsync($"{artifacts}/never-there.txt");
        // 64 KiB quota: 60,000 bytes fit only if the 60,000 deleted are no longer counted.
        var fits = await PutAsync(remote.Client, $"{artifacts}/after.bin", RandomNumberGenerator.GetBytes(60_000));

        Assert.Equal((HttpStatusCode.OK, "{}"), (file.StatusCode, await file.Content.ReadAsStringAsync()));
        Assert.Equal(HttpStatusCode.OK, tree.StatusCode);
        Assert.Equal(HttpStatusCode.OK, absent.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await remote.Client.GetAsync($"{artifacts}/big.bin")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await remote.Client.GetAsync($"{artifacts}/checkpoints/deeper/b.bin")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, fits.StatusCode);
        Assert.Equal(
            (HttpStatusCode.OK, "{\"files\":[{\"path\":\"after.bin\",\"is_dir\":false,\"file_size\":60000},{\"path\":\"keep.txt\",\"is_dir\":false,\"file_size\":4}]}"),
            await remote.ListAsync(folder));
    }

    [Theory]
    [Trait("Category", "Hardening")]
    [InlineData("PUT", "artifacts/{run}/..%2F..%2F..%2Fescape.txt")]
    [InlineData("PUT", "artifacts/{run}/%2E%2E/%2E%2E/%2E%2E/escape.txt")]
    [InlineData("PUT", "artifacts/{run}/../../../escape.txt")]
    [InlineData("PUT", "artifacts/{run}/a%5C..%5C..%5Cescape.txt")]
    [InlineData("PUT", "artifacts/{run}/escape%00.txt")]
    [InlineData("PUT", "artifacts/{run}//escape.txt")]
    [InlineData("PUT", "artifacts/{run}/./escape.txt")]
    [InlineData("PUT", "artifacts//etc/escape.txt")]
    [InlineData("GET", "artifacts/{run}/..%2F..%2F..%2F..%2F..%2Fportal.db")]
    [InlineData("DELETE", "artifacts/{run}/..%2F..%2F..%2F..%2F..%2Fportal.db")]
    [InlineData("GET", "artifacts?path=../../../../..")]
    [InlineData("GET", "artifacts?path=/etc")]
    [InlineData("GET", "artifacts?path={run}/a%5Cb")]
    public async Task UnsafePaths_AreRefusedInMlflowsShape_AndTouchNothing(string method, string endpoint)
    {
        using var remote = await RemoteAsync();
        var (_, folder) = await StartRunAsync(remote);
        var (path, query) = endpoint.Replace("{run}", folder, StringComparison.Ordinal).Split('?') is [var p, var q] ? (p, "?" + q) : (endpoint.Replace("{run}", folder, StringComparison.Ordinal), "");

        // The request as the server hands it to routing, decoded except "%2F" (HttpClient would resolve "..", "." and "//" before sending).
        var answered = await portal.Server.SendAsync(context =>
        {
            context.Request.Method = method;
            context.Request.Path = new PathString($"{remote.Tracking}/api/2.0/mlflow-artifacts/{Uri.UnescapeDataString(path.Replace("%2F", "%252F", StringComparison.Ordinal))}");
            context.Request.QueryString = new QueryString(query);
            context.Request.Headers.Authorization = remote.Client.DefaultRequestHeaders.Authorization!.ToString();
            if (method == "PUT")
            {
                context.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes("escaped"));
                context.Request.ContentLength = 7;
            }
        });

        Assert.Equal(StatusCodes.Status400BadRequest, answered.Response.StatusCode);
        Assert.StartsWith("application/json", answered.Response.ContentType);
        Assert.Equal("INVALID_PARAMETER_VALUE", (await JsonDocument.ParseAsync(answered.Response.Body)).RootElement.GetProperty("error_code").GetString());
        Assert.True(File.Exists(Path.Combine(portal.DataDir, "portal.db")));
        Assert.Empty(Directory.EnumerateFiles(portal.DataDir, "escape*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task CutUpload_LeavesNothing_AndCountsNothing()
    {
        using var remote = await RemoteAsync();
        var (uri, folder) = await StartRunAsync(remote);
        var artifacts = remote.Resolve(uri);

        await Assert.ThrowsAnyAsync<Exception>(() => remote.Client.PutAsync($"{artifacts}/model.pkl", new CutContent(RandomNumberGenerator.GetBytes(30_000), cutAt: 10_000)));

        Assert.Equal(HttpStatusCode.NotFound, (await remote.Client.GetAsync($"{artifacts}/model.pkl")).StatusCode);
        Assert.Equal((HttpStatusCode.OK, "{}"), await remote.ListAsync(folder));
        var runId = folder.Split('/')[1];
        Assert.DoesNotContain(
            Directory.EnumerateFiles(Path.Combine(portal.DataDir, "mlflow-artifacts"), "*", SearchOption.AllDirectories),
            f => f.Contains(runId, StringComparison.Ordinal) || f.Contains("/incoming/", StringComparison.Ordinal));
        // 64 KiB quota: 60,000 bytes fit only if the 10,000 received before the cut were not counted.
        Assert.Equal(HttpStatusCode.OK, (await PutAsync(remote.Client, $"{artifacts}/model.pkl", RandomNumberGenerator.GetBytes(60_000))).StatusCode);
    }

    [Fact]
    [Trait("Category", "Hardening")]
    public async Task OverTheQuota_IsRefusedWithResourceExhausted_AndNothingIsKept_ButReplacingAFileCountsOnlyTheDifference()
    {
        using var remote = await RemoteAsync();
        var (uri, folder) = await StartRunAsync(remote);
        var artifacts = remote.Resolve(uri);
        var first = RandomNumberGenerator.GetBytes(40_000);
        Assert.Equal(HttpStatusCode.OK, (await PutAsync(remote.Client, $"{artifacts}/first.bin", first)).StatusCode);

        // Announced (Content-Length) and discovered while streaming (chunked, no length).
        var announced = await PutAsync(remote.Client, $"{artifacts}/second.bin", RandomNumberGenerator.GetBytes(40_000));
        var streamed = await remote.Client.PutAsync($"{artifacts}/third.bin", new CutContent(RandomNumberGenerator.GetBytes(40_000), cutAt: null));
        // log_artifact of the same name again replaces the file: 40,000 out, 50,000 in, within 64 KiB.
        var replacement = RandomNumberGenerator.GetBytes(50_000);
        var replaced = await PutAsync(remote.Client, $"{artifacts}/first.bin", replacement);

        foreach (var refused in new[] { announced, streamed })
        {
            Assert.Equal(HttpStatusCode.InsufficientStorage, refused.StatusCode);
            var body = await refused.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("RESOURCE_EXHAUSTED", body.GetProperty("error_code").GetString());
            Assert.Contains("storage is full", body.GetProperty("message").GetString());
            Assert.Contains("QuotaBytesPerRepo", body.GetProperty("message").GetString());
        }

        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        Assert.Equal(replacement, await remote.Client.GetByteArrayAsync($"{artifacts}/first.bin"));
        Assert.Equal((HttpStatusCode.OK, "{\"files\":[{\"path\":\"first.bin\",\"is_dir\":false,\"file_size\":50000}]}"), await remote.ListAsync(folder));
        Assert.Equal(HttpStatusCode.InsufficientStorage, (await PutAsync(remote.Client, $"{artifacts}/tiny.bin", RandomNumberGenerator.GetBytes(20_000))).StatusCode);
    }

    [Fact]
    [Trait("Category", "Hardening")]
    public async Task ReadingNeedsReadAccess_WritingNeedsWriteAccess()
    {
        using var remote = await RemoteAsync("public");
        var (uri, folder) = await StartRunAsync(remote);
        var artifacts = remote.Resolve(uri);
        await PutAsync(remote.Client, $"{artifacts}/notes.txt", Encoding.UTF8.GetBytes("v1"));
        using var anonymous = portal.CreateClient();
        using var reader = portal.BasicClient(remote.User, remote.ReadToken);

        var anonymousWrite = await PutAsync(anonymous, $"{artifacts}/notes.txt", Encoding.UTF8.GetBytes("anonymous"));
        var anonymousDelete = await anonymous.DeleteAsync($"{artifacts}/notes.txt");
        var readerWrite = await PutAsync(reader, $"{artifacts}/notes.txt", Encoding.UTF8.GetBytes("reader"));
        var readerDelete = await reader.DeleteAsync($"{artifacts}/notes.txt");

        Assert.Equal(HttpStatusCode.Unauthorized, anonymousWrite.StatusCode);
        Assert.Equal("UNAUTHENTICATED", await ErrorCodeAsync(anonymousWrite));
        Assert.Contains(anonymousWrite.Headers.WwwAuthenticate, h => h.Scheme == "Basic");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymousDelete.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, readerWrite.StatusCode);
        Assert.Equal("PERMISSION_DENIED", await ErrorCodeAsync(readerWrite));
        Assert.Equal(HttpStatusCode.Forbidden, readerDelete.StatusCode);
        Assert.Equal("v1", await anonymous.GetStringAsync($"{artifacts}/notes.txt"));
        Assert.Equal("v1", await reader.GetStringAsync($"{artifacts}/notes.txt"));
        Assert.Contains("notes.txt", await anonymous.GetStringAsync($"{remote.ArtifactsService}?path={folder}"));

        using var owner = await RemoteAsync("private");
        var (privateUri, _) = await StartRunAsync(owner);
        await PutAsync(owner.Client, $"{owner.Resolve(privateUri)}/secret.txt", Encoding.UTF8.GetBytes("secret"));
        var hidden = await anonymous.GetAsync($"{owner.Resolve(privateUri)}/secret.txt");
        Assert.Equal(HttpStatusCode.Unauthorized, hidden.StatusCode);
        Assert.Equal("UNAUTHENTICATED", await ErrorCodeAsync(hidden));
    }

    [Fact]
    public async Task MultipartAndPresigned_AreDeclinedAsTheClientExpects_AndServerInfoSaysSoUpFront()
    {
        using var remote = await RemoteAsync();
        var (uri, folder) = await StartRunAsync(remote);
        var service = $"{remote.Tracking}/api/2.0/mlflow-artifacts";

        // MLflow 3 asks first (mlflow_artifacts_repo: _SERVER_INFO_ENDPOINT), at the root of the tracking URI.
        var info = await remote.Client.GetFromJsonAsync<JsonElement>($"{remote.Tracking}/api/3.0/mlflow/server-info");
        // With MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD set it tries anyway: create, and abort when anything fails.
        var create = await remote.Client.PostAsJsonAsync($"{service}/mpu/create/{folder}/big", new { path = "/home/me/model.bin", num_parts = 3 });
        var complete = await remote.Client.PostAsJsonAsync($"{service}/mpu/complete/{folder}/big", new { path = "/home/me/model.bin", upload_id = "x", parts = Array.Empty<object>() });
        var abort = await remote.Client.PostAsJsonAsync($"{service}/mpu/abort/{folder}/big", new { path = "/home/me/model.bin", upload_id = "x" });
        var presigned = await remote.Client.GetAsync($"{service}/mpd/presigned/{folder}/big/model.bin");
        // … and falls back to the plain PUT, which works.
        var put = await PutAsync(remote.Client, $"{remote.Resolve(uri)}/big/model.bin", RandomNumberGenerator.GetBytes(1_000));

        Assert.Equal("SqlStore", info.GetProperty("store_type").GetString());
        Assert.False(info.GetProperty("workspaces_enabled").GetBoolean());
        Assert.False(info.GetProperty("multipart_uploads_enabled").GetBoolean());
        Assert.False(info.GetProperty("multipart_downloads_enabled").GetBoolean());
        foreach (var declined in new[] { create, complete, abort })
        {
            Assert.Equal(HttpStatusCode.NotImplemented, declined.StatusCode);
            var body = await declined.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("NOT_IMPLEMENTED", body.GetProperty("error_code").GetString());
            Assert.StartsWith("Multipart upload is not supported for the current artifact repository", body.GetProperty("message").GetString());
        }

        Assert.Equal(HttpStatusCode.NotImplemented, presigned.StatusCode);
        Assert.Equal("NOT_IMPLEMENTED", await ErrorCodeAsync(presigned));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
    }

    [Fact]
    public async Task AnUnexpectedFailure_AnswersInternalErrorInMlflowsShape_NotPortalsHtmlPage()
    {
        using var remote = await RemoteAsync();
        var (uri, _) = await StartRunAsync(remote);
        long repositoryId;
        await using (var scope = portal.Services.CreateAsyncScope())
        {
            repositoryId = await scope.ServiceProvider.GetRequiredService<PortalDbContext>().Repositories.Where(r => r.Name == remote.Repository).Select(r => r.Id).SingleAsync();
        }

        // A store that cannot be written (a file where its folder belongs): the disk is at fault, not the request.
        var store = Path.Combine(portal.DataDir, "mlflow-artifacts", repositoryId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(store);
        await File.WriteAllTextAsync(Path.Combine(store, "files"), "not a folder");

        var response = await PutAsync(remote.Client, $"{remote.Resolve(uri)}/model.pkl", RandomNumberGenerator.GetBytes(100));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("INTERNAL_ERROR", await ErrorCodeAsync(response));
        Assert.DoesNotContain(portal.DataDir, await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("POST", "api/2.0/mlflow-artifacts/artifacts/0/run/artifacts/model.pkl")]
    [InlineData("GET", "api/2.0/mlflow-artifacts/mpu/create/0/run/artifacts")]
    [InlineData("GET", "api/2.0/mlflow-artifacts/nothing")]
    [InlineData("POST", "api/3.0/mlflow/server-info")]
    [InlineData("GET", "api/3.0/mlflow/logged-models/nope")]
    public async Task UnknownArtifactEndpoints_AnswerEndpointNotFound_InMlflowsShape(string method, string path)
    {
        using var remote = await RemoteAsync();

        var response = await remote.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), $"{remote.Tracking}/{path}"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("ENDPOINT_NOT_FOUND", await ErrorCodeAsync(response));
    }

    [Fact]
    public async Task RunPageLinks_ShowImagesInline_AndSendEverythingElseAsAnAttachment()
    {
        using var remote = await RemoteAsync();
        var (uri, folder) = await StartRunAsync(remote);
        await PutAsync(remote.Client, $"{remote.Resolve(uri)}/plots/loss.png", Png, "image/png");
        await PutAsync(remote.Client, $"{remote.Resolve(uri)}/page.html", Encoding.UTF8.GetBytes("<script>alert(1)</script>"), "text/html");
        var page = $"/{remote.User}/{remote.Repository}/-/artifacts";
        using var anonymous = portal.CreateClient();

        var image = await remote.Client.GetAsync($"{page}?path={Uri.EscapeDataString($"{folder}/plots/loss.png")}");
        var imageDownload = await remote.Client.GetAsync($"{page}?path={Uri.EscapeDataString($"{folder}/plots/loss.png")}&download=1");
        var html = await remote.Client.GetAsync($"{page}?path={Uri.EscapeDataString($"{folder}/page.html")}");
        var traversal = await remote.Client.GetAsync($"{page}?path={Uri.EscapeDataString("../../../portal.db")}");
        var hidden = await anonymous.GetAsync($"{page}?path={Uri.EscapeDataString($"{folder}/plots/loss.png")}");

        Assert.Equal(Png, await image.Content.ReadAsByteArrayAsync());
        Assert.Equal("image/png", image.Content.Headers.ContentType?.MediaType);
        Assert.Equal("inline", image.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("attachment", imageDownload.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("application/octet-stream", html.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", html.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Contains("sandbox", string.Join(' ', html.Headers.GetValues("Content-Security-Policy")));
        Assert.Equal(HttpStatusCode.NotFound, traversal.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
    }

    /// <summary>
    /// A request body sent without a length (chunked, as requests sends a generator). With <c>cutAt</c>, the connection
    /// drops after that many bytes, as when a training job is killed mid-upload.
    /// </summary>
    private sealed class CutContent(byte[] content, int? cutAt) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            await stream.WriteAsync(content.AsMemory(0, cutAt ?? content.Length));
            await stream.FlushAsync();
            if (cutAt is not null)
            {
                throw new IOException("Connection reset by peer.");
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
