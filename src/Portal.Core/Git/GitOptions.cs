using System.ComponentModel.DataAnnotations;

namespace Portal.Core.Git;

/// <summary>Settings under <c>Portal:Git</c>.</summary>
public sealed class GitOptions
{
    public const string Section = "Portal:Git";

    /// <summary>The git executable; the Debian package's by default.</summary>
    [Required]
    public string Executable { get; set; } = "git";

    /// <summary>How long a short command (ls-remote, for-each-ref) may run.</summary>
    public TimeSpan ShortTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long a fetch or clone may run before its process tree is killed.</summary>
    public TimeSpan TransferTimeout { get; set; } = TimeSpan.FromHours(2);

    /// <summary>Seconds below 1 kB/s before git abandons a stalled HTTP transfer (http.lowSpeedTime).</summary>
    [Range(5, 3600)]
    public int LowSpeedSeconds { get; set; } = 60;
}
