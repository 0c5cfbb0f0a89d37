using System.Diagnostics;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Portal.Bench;

/// <summary>
/// Figure 9: `dvc status -c`-style existence checks through DVC's own transport (fsspec's HTTPFileSystem as
/// iterative/dvc-http configures it, run by tests/Portal.Tests/Storage/dvc_fsspec.py with Debian's python3) against
/// a private repository's storage remote: 10,000 objects, half of them pushed, 4 × cores requests in flight as DVC's
/// default jobs. fsspec checks with a GET and counts any status below 400 as present, so a miss must be one cheap 404.
/// </summary>
public static class DvcExistence
{
    public const string Figure = "9. DVC existence checks (dvc status -c through fsspec, loopback)";

    private const string Name = "dvc-existence";

    /// <summary>bench/run --dvc-only: this figure alone, on a Portal of its own, into bench/results/dvc.md.</summary>
    public static async Task RunAloneAsync(string appHost, string root)
    {
        var work = Directory.CreateTempSubdirectory("portal-bench-dvc-").FullName;
        var report = new Report();
        try
        {
            using (var portal = await PortalServer.StartAsync(appHost, Path.Combine(work, "portal-data")))
            {
                await MeasureAsync(portal, root, report);
            }

            Console.WriteLine(report.Write(Path.Combine(root, "bench", "results", "dvc.md"), $"Figure 9 alone (bench/run --dvc-only), {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores."));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    public static async Task MeasureAsync(PortalServer portal, string root, Report report, int objects = 10_000, int runs = 3)
    {
        var created = await portal.Http.PostAsJsonAsync("api/v1/repos", new { mode = "hosted", owner = PortalServer.Admin, name = Name, visibility = "private" });
        if (!created.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Creating {Name} failed: {await created.Content.ReadAsStringAsync()}");
        }

        // Half the objects pushed (small ones: the figure is about the request path, not bytes), half never pushed.
        var paths = new List<string>(objects);
        var pushes = new List<byte[]>();
        for (var i = 0; i < objects; i++)
        {
            var content = Encoding.UTF8.GetBytes($"object {i}\n");
            if (i % 2 == 0)
            {
                pushes.Add(content);
                paths.Add(ObjectPath(content));
            }
            else
            {
                paths.Add(ObjectPath(Encoding.UTF8.GetBytes($"never pushed {i}\n")));
            }
        }

        await Parallel.ForEachAsync(pushes, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (content, cancellationToken) =>
        {
            var response = await portal.Http.PostAsync($"{PortalServer.Admin}/{Name}.dvc/{ObjectPath(content)}", new ByteArrayContent(content), cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"Pushing an object failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
            }
        });

        var jobs = 4 * Environment.ProcessorCount;
        var rates = new List<double>();
        // A first pass warms Portal up (JIT, connection pools) and is not counted, as a second `dvc status -c` would be.
        for (var run = -1; run < runs; run++)
        {
            var result = CheckAll(portal, root, paths, jobs);
            var present = result["present"]!.GetValue<int>();
            if (present != pushes.Count)
            {
                throw new InvalidOperationException($"fsspec found {present} of the {pushes.Count} pushed objects.");
            }

            if (run >= 0)
            {
                rates.Add(objects / result["seconds"]!.GetValue<double>());
            }
        }

        var samples = new Samples(rates);
        report.Value(Figure, samples.Format("checks/s"), $"{objects:N0} objects, half present, {jobs} in flight", ">= 2,000 checks/s", samples.Median >= 2_000 ? "met" : "MISSED");
    }

    /// <summary>One `dvc status -c`: the driver checks every path with fsspec's exists and times it.</summary>
    private static JsonNode CheckAll(PortalServer portal, string root, IReadOnlyList<string> paths, int jobs)
    {
        var request = new JsonObject
        {
            ["url"] = $"http://127.0.0.1:{portal.Port}/{PortalServer.Admin}/{Name}.dvc",
            ["user"] = PortalServer.Admin,
            ["password"] = portal.Http.DefaultRequestHeaders.Authorization!.Parameter,
            ["ops"] = new JsonArray(new JsonObject { ["op"] = "exists_many", ["paths"] = new JsonArray([.. paths.Select(p => JsonValue.Create(p))]), ["jobs"] = jobs }),
        };
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(root, "tests", "Portal.Tests", "Storage", "dvc_fsspec.py"));
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        // Credentials travel on stdin, never in argv.
        process.StandardInput.Write(request.ToJsonString());
        process.StandardInput.Close();
        process.WaitForExit();
        var result = process.ExitCode == 0 ? JsonNode.Parse(output.Result)!["results"]![0]! : null;
        if (result is null || !result["ok"]!.GetValue<bool>())
        {
            throw new InvalidOperationException($"The fsspec driver failed ({process.ExitCode}): {error.Result} {result?.ToJsonString()}");
        }

        return result;
    }

    private static string ObjectPath(byte[] content)
    {
        var md5 = Convert.ToHexStringLower(MD5.HashData(content));
        return $"files/md5/{md5[..2]}/{md5[2..]}";
    }
}
