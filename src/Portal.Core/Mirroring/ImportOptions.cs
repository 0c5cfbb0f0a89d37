namespace Portal.Core.Mirroring;

/// <summary>Settings under <c>Portal:Import</c>.</summary>
public sealed class ImportOptions
{
    public const string Section = "Portal:Import";

    /// <summary>Allow upstreams on loopback, private, link-local and other internal addresses. Off by default: an import URL must not become a way to reach Portal's own network.</summary>
    public bool AllowLocalNetwork { get; set; }
}
