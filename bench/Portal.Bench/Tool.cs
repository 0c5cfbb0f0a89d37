using System.Diagnostics;

namespace Portal.Bench;

/// <summary>Runs tools and measures them.</summary>
public static class Tool
{
    public static string Run(string tool, string? workingDirectory, params string[] arguments)
    {
        var (exit, output, error) = TryRun(tool, workingDirectory, arguments);
        if (exit != 0)
        {
            throw new InvalidOperationException($"{tool} {string.Join(' ', arguments)} failed ({exit}): {error}");
        }

        return output;
    }

    public static (int ExitCode, string Output, string Error) TryRun(string tool, string? workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["GIT_TERMINAL_PROMPT"] = "0";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, output.Result, error.Result);
    }

    /// <summary>Wall time of a tool run, in seconds (fails the benchmark if the tool fails).</summary>
    public static double Time(string tool, string? workingDirectory, params string[] arguments)
    {
        var started = Stopwatch.GetTimestamp();
        Run(tool, workingDirectory, arguments);
        return Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    public static async Task<double> TimeAsync(Func<Task> action)
    {
        var started = Stopwatch.GetTimestamp();
        await action();
        return Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    /// <summary>The machine the figures come from: cores, CPU model, memory, git version.</summary>
    public static string Machine()
    {
        var model = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
        var memory = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal))?.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        var gib = memory is null ? "?" : (long.Parse(memory, System.Globalization.CultureInfo.InvariantCulture) / 1048576.0).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);
        return $"{Environment.ProcessorCount} cores, {model}, {gib} GiB RAM; {Run("git", null, "--version").Trim()}";
    }

    /// <summary>CPU seconds a process has used itself, and those of its children it has waited for (from /proc, in clock ticks of 1/100 s).</summary>
    public static (double Own, double Children) CpuSeconds(int process)
    {
        var stat = File.ReadAllText($"/proc/{process}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        double Ticks(int index) => long.Parse(fields[index], System.Globalization.CultureInfo.InvariantCulture) / 100.0;
        return (Ticks(11) + Ticks(12), Ticks(13) + Ticks(14));
    }

    /// <summary>Peak resident memory of a tool run (KiB), via GNU time.</summary>

    public static long PeakRssKib(string tool, string? workingDirectory, params string[] arguments)
    {
        var (exit, _, error) = TryRun("/usr/bin/time", workingDirectory, ["-f", "PEAKRSS %M", tool, .. arguments]);
        var line = error.Split('\n').LastOrDefault(l => l.StartsWith("PEAKRSS", StringComparison.Ordinal));
        return exit == 0 && line is not null ? long.Parse(line[8..], System.Globalization.CultureInfo.InvariantCulture) : -1;
    }

    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static void WaitForPort(int port, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var client = new System.Net.Sockets.TcpClient("127.0.0.1", port);
                return;
            }
            catch (System.Net.Sockets.SocketException)
            {
                Thread.Sleep(50);
            }
        }

        throw new TimeoutException($"Nothing listens on 127.0.0.1:{port}.");
    }
}

/// <summary>Samples a process's resident memory (and its git children's) while a workload runs.</summary>
public sealed class RssSampler : IDisposable
{
    private readonly int pid;
    private readonly Timer timer;

    public RssSampler(int pid)
    {
        this.pid = pid;
        timer = new Timer(_ => Sample(), null, 0, 50);
    }

    public long PeakPortalKib { get; private set; }

    /// <summary>Portal's RSS when sampling began: against the peak, whether memory stayed flat.</summary>
    public long FirstPortalKib { get; private set; } = -1;

    public long PeakChildrenKib { get; private set; }

    private void Sample()
    {
        var own = RssKib(pid);
        if (FirstPortalKib < 0)
        {
            FirstPortalKib = own;
        }

        PeakPortalKib = Math.Max(PeakPortalKib, own);
        long children = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var child) && child != pid && IsDescendant(child))
            {
                children += RssKib(child);
            }
        }

        PeakChildrenKib = Math.Max(PeakChildrenKib, children);
    }

    private bool IsDescendant(int candidate)
    {
        for (var current = candidate; current > 1;)
        {
            var parent = ParentOf(current);
            if (parent == pid)
            {
                return true;
            }

            current = parent;
        }

        return false;
    }

    private static int ParentOf(int process)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{process}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static long RssKib(int process)
    {
        try
        {
            var line = File.ReadLines($"/proc/{process}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    public void Dispose()
    {
        timer.Dispose();
        Sample();
    }
}
