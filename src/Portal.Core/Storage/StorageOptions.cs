namespace Portal.Core.Storage;

/// <summary>Settings under <c>Portal:Storage</c>.</summary>
public sealed class StorageOptions
{
    public const string Section = "Portal:Storage";

    /// <summary>The most a repository's storage remote may hold; 0 means no limit.</summary>
    public long QuotaBytesPerRepo { get; set; } = 50L * 1024 * 1024 * 1024;
}
