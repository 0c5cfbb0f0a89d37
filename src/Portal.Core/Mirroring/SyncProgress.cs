using System.Text.RegularExpressions;

namespace Portal.Core.Mirroring;

/// <summary>A phase of git's progress output, e.g. "Receiving objects" at 45 %.</summary>
public sealed partial record SyncProgress(string Phase, int? Percent)
{
    /// <summary>Parses one line of git's stderr progress; null if it is not a progress line.</summary>
    public static SyncProgress? Parse(string line)
    {
        var match = ProgressLine().Match(line);
        return match.Success
            ? new SyncProgress(match.Groups["phase"].Value.Trim(), int.Parse(match.Groups["percent"].Value, System.Globalization.CultureInfo.InvariantCulture))
            : null;
    }

    [GeneratedRegex(@"^(?:remote:\s*)?(?<phase>[A-Za-z][A-Za-z ]+):\s+(?<percent>\d{1,3})%")]
    private static partial Regex ProgressLine();
}
