using System.ComponentModel.DataAnnotations;

namespace Portal.Git;

/// <summary>Settings under <c>Portal:Git</c>.</summary>
public sealed class GitOptions
{
    public const string Section = "Portal:Git";

    /// <summary>
    /// The HOME git (and OpenSSH) run with, holding the only global config git reads. The host decides where: Portal puts
    /// it in its data folder (git-home/). Required.
    /// </summary>
    [Required]
    public string HomePath { get; set; } = "";

    /// <summary>Scratch space: git's default working directory, and short-lived key and known_hosts files. Required.</summary>
    [Required]
    public string TempPath { get; set; } = "";

    /// <summary>The git executable; the Debian package's by default.</summary>
    [Required]
    public string Executable { get; set; } = "git";

    /// <summary>How long a short command (ls-remote, for-each-ref) may run.</summary>
    public TimeSpan ShortTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long a fetch or clone may run before its process tree is killed.</summary>
    public TimeSpan TransferTimeout { get; set; } = TimeSpan.FromHours(2);

    /// <summary>A clone, fetch or push to Portal during which no byte moves for this long is stopped.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The largest push, LFS object or DVC file Portal accepts in one request, counted as received and, for a gzip-compressed
    /// request, as decompressed; pushes also give it to git as receive.maxInputSize.
    /// </summary>
    [Range(1024, long.MaxValue)]
    public long MaxRequestBodyBytes { get; set; } = 10L * 1024 * 1024 * 1024;

    /// <summary>Seconds below 1 kB/s before git abandons a stalled HTTP transfer (http.lowSpeedTime).</summary>
    [Range(5, 3600)]
    public int LowSpeedSeconds { get; set; } = 60;
}
