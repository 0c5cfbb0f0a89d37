using System.ComponentModel.DataAnnotations;

namespace Portal.Core.Hosting;

/// <summary>Settings under <c>Portal</c>: where data lives and who the first admin is.</summary>
public sealed class PortalOptions
{
    public const string Section = "Portal";

    /// <summary>The one folder that holds the SQLite database, repositories, keys and LFS objects.</summary>
    [Required]
    public string DataDir { get; set; } = "data";

    public AdminOptions Admin { get; set; } = new();

    /// <summary>Failed password attempts before an account locks, and for how long.</summary>
    [Range(1, 100)]
    public int LockoutMaxFailedAttempts { get; set; } = 5;

    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Failed authentications per minute from one client address before its password attempts are refused for the minute.</summary>
    [Range(1, 100_000)]
    public int AuthFailuresPerMinute { get; set; } = 30;

    /// <summary>Failed authentications per minute for one user name from one client address before those are refused for the minute.</summary>
    [Range(1, 100_000)]
    public int AuthFailuresPerNamePerMinute { get; set; } = 10;
}

public sealed class AdminOptions
{
    public string? UserName { get; set; }

    public string? Password { get; set; }
}
