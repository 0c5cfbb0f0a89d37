using System.Diagnostics;

namespace Portal.Testing;

/// <summary>Runs a tool for a test and fails loudly with its output when it fails.</summary>
public static class TestProcess
{
    public static string Run(string tool, string? workingDirectory, IEnumerable<string> arguments, IDictionary<string, string>? environment = null, bool check = true, string? input = null)
    {
        var start = new ProcessStartInfo(tool)
        {
            WorkingDirectory = workingDirectory ?? Directory.GetCurrentDirectory(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        if (input is not null)
        {
            process.StandardInput.Write(input);
        }

        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{tool} {string.Join(' ', arguments)} did not finish in 5 minutes.");
        }

        if (check && process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} {string.Join(' ', arguments)} failed ({process.ExitCode}):\n{error.Result}\n{output.Result}");
        }

        return output.Result;
    }

    public static bool IsRoot => Environment.UserName == "root";
}
