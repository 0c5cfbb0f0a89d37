using System.Text.Json.Nodes;
using Portal.Testing;

namespace Portal.Tests.Storage;

/// <summary>
/// DVC's HTTP remote transport (fsspec's HTTPFileSystem as iterative/dvc-http configures it), run by Debian's Python
/// through dvc_fsspec.py: one process per batch of operations, sharing one client session as DVC does. Credentials go
/// to the script on stdin.
/// </summary>
public sealed class FsspecRemote(string url, string? user = null, string? password = null, string method = "POST")
{
    /// <summary>Debian's interpreter: the one that sees python3-fsspec and python3-aiohttp (another python3 may be first on PATH).</summary>
    private const string Python = "/usr/bin/python3";

    private static string Script => Path.Combine(AppContext.BaseDirectory, "Storage", "dvc_fsspec.py");

    public Task<JsonObject> ExistsAsync(string path) => OneAsync(new JsonObject { ["op"] = "exists", ["path"] = path });

    public Task<JsonObject> InfoAsync(string path) => OneAsync(new JsonObject { ["op"] = "info", ["path"] = path });

    public Task<JsonObject> PutAsync(string path, string localFile) => OneAsync(new JsonObject { ["op"] = "put", ["path"] = path, ["local"] = localFile });

    public Task<JsonObject> GetAsync(string path, string localFile) => OneAsync(new JsonObject { ["op"] = "get", ["path"] = path, ["local"] = localFile });

    /// <summary>An upload whose body breaks off after <paramref name="cutAfter"/> of <paramref name="size"/> bytes.</summary>
    public Task<JsonObject> PutCutAsync(string path, int size, int cutAfter) =>
        OneAsync(new JsonObject { ["op"] = "put_cut", ["path"] = path, ["size"] = size, ["cut_after"] = cutAfter });

    /// <summary>Uploads <paramref name="content"/> from a temporary file, as `dvc push` uploads from its cache.</summary>
    public async Task<JsonObject> PutBytesAsync(string path, byte[] content)
    {
        var local = Path.GetTempFileName();
        try
        {
            await File.WriteAllBytesAsync(local, content);
            return await PutAsync(path, local);
        }
        finally
        {
            File.Delete(local);
        }
    }

    /// <summary>Downloads to a temporary file and returns its bytes, or null with the failure.</summary>
    public async Task<(byte[]? Content, JsonObject Result)> GetBytesAsync(string path)
    {
        var local = Path.Combine(Directory.CreateTempSubdirectory("portal-fsspec-").FullName, "object");
        try
        {
            var result = await GetAsync(path, local);
            return (Ok(result) ? await File.ReadAllBytesAsync(local) : null, result);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(local)!, recursive: true);
        }
    }

    public static bool Ok(JsonObject result) => result["ok"]!.GetValue<bool>();

    /// <summary>The HTTP status fsspec's error carried (aiohttp's ClientResponseError), or null.</summary>
    public static int? Status(JsonObject result) => result["status"] is JsonValue status ? status.GetValue<int>() : null;

    public async Task<IReadOnlyList<JsonObject>> RunAsync(params JsonObject[] operations)
    {
        var request = new JsonObject
        {
            ["url"] = url,
            ["method"] = method,
            ["ops"] = new JsonArray([.. operations]),
        };
        if (user is not null)
        {
            request["user"] = user;
            request["password"] = password;
        }

        var output = await Task.Run(() => TestProcess.Run(Python, AppContext.BaseDirectory, [Script], input: request.ToJsonString()));
        var results = JsonNode.Parse(output)!["results"]!.AsArray();
        return [.. results.Select(r => r!.AsObject())];
    }

    private async Task<JsonObject> OneAsync(JsonObject operation) => (await RunAsync(operation))[0];
}
