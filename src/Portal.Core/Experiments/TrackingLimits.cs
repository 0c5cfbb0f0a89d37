namespace Portal.Core.Experiments;

/// <summary>
/// MLflow's own limits on what a client sends (mlflow/utils/validation.py and its database columns): Portal accepts
/// what MLflow accepts and refuses the rest with INVALID_PARAMETER_VALUE, in MLflow's wording.
/// </summary>
public static class TrackingLimits
{
    public const int MaxKeyLength = 250;
    public const int MaxParamValueLength = 6000;
    public const int MaxTagValueLength = 8000;
    public const int MaxExperimentTagValueLength = 5000;
    public const int MaxExperimentNameLength = 500;
    public const int MaxArtifactLocationLength = 2048;
    public const int MaxRunNameLength = 250;
    public const int MaxUserIdLength = 256;
    public const int MaxBatchMetrics = 1000;
    public const int MaxBatchParams = 100;
    public const int MaxBatchTags = 100;

    /// <summary>MLflow's wording: "had length N, which exceeded length limit of L".</summary>
    internal static PortalError? TooLong(string what, string? value, int limit) =>
        value is not null && value.Length > limit ? PortalError.Invalid($"{what} had length {value.Length}, which exceeded length limit of {limit}.") : null;

    internal static PortalError? InvalidTags(IReadOnlyList<(string Key, string Value)> tags, int maxValueLength)
    {
        var badKey = tags.Select(t => t.Key).FirstOrDefault(k => !IsValidKey(k));
        return badKey is not null
            ? PortalError.Invalid($"Invalid tag key '{Shorten(badKey)}': keys are 1 to {MaxKeyLength} characters of letters, digits, '_', '-', '.', ' ' and '/'.")
            : tags.Select(t => TooLong("Tag value", t.Value, maxValueLength)).FirstOrDefault(e => e is not null);
    }

    internal static bool IsValidKey(string key) =>
        key.Length is > 0 and <= MaxKeyLength && !key.Contains("..", StringComparison.Ordinal) && !key.StartsWith('/') &&
        key.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or ' ' or '/');

    /// <summary>A key as quoted back in an error: at most 50 characters of it.</summary>
    public static string Shorten(string key) => key.Length > 50 ? key[..50] + "…" : key;
}
