using System.Globalization;
using Portal.Core.Experiments;

namespace Portal.Core.ModelRegistry;

/// <summary>
/// MLflow's rules for the model registry (mlflow/utils/validation.py and its registry tables), in MLflow's wording:
/// what a name, version, stage, alias or tag may be, and what "not found" says.
/// </summary>
public static class RegistryRules
{
    public const int MaxNameLength = 256;
    public const int MaxDescriptionLength = 5000;
    public const int MaxSourceLength = 500;
    public const int MaxAliasLength = 255;
    public const int MaxTagValueLength = 5000;

    /// <summary>MLflow's stages, in the order get-latest-versions answers them.</summary>
    public static IReadOnlyList<string> Stages { get; } = ["None", "Staging", "Production", "Archived"];

    internal static PortalError? InvalidName(string? name, string parameter = "name") => name switch
    {
        null => PortalError.Invalid($"Missing value for required parameter '{parameter}'."),
        "" => PortalError.Invalid("Registered model name cannot be empty."),
        _ when name.Any(char.IsControl) => PortalError.Invalid("Registered model names may not contain control characters."),
        _ => TrackingLimits.TooLong("Registered model name", name, MaxNameLength),
    };

    /// <summary>A version number as MLflow sends it (a string of digits).</summary>
    internal static Outcome<long> Version(string? version) =>
        long.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number > 0
            ? number
            : PortalError.Invalid(version is null ? "Missing value for required parameter 'version'." : $"Model version must be an integer, got '{Shorten(version)}'");

    /// <summary>The stage as MLflow spells it (case-insensitive in requests).</summary>
    internal static Outcome<string> Stage(string? stage) =>
        Stages.FirstOrDefault(s => s.Equals(stage, StringComparison.OrdinalIgnoreCase)) is { } canonical
            ? canonical
            : PortalError.Invalid($"Invalid Model Version stage: {Shorten(stage ?? "")}. Value must be one of None, Staging, Production, Archived.");

    internal static PortalError? InvalidAlias(string? alias)
    {
        if (string.IsNullOrEmpty(alias))
        {
            return PortalError.Invalid("Registered model alias name cannot be empty.");
        }

        if (!alias.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
        {
            return PortalError.Invalid($"Invalid alias name: '{Shorten(alias)}'. Names may only contain alphanumerics, underscores (_), and dashes (-).");
        }

        if (TrackingLimits.TooLong("Registered model alias name", alias, MaxAliasLength) is { } tooLong)
        {
            return tooLong;
        }

        if (alias.Equals("latest", StringComparison.OrdinalIgnoreCase))
        {
            return PortalError.Invalid("'latest' alias name (case insensitive) is reserved.");
        }

        return alias.Length > 1 && alias[0] is 'v' or 'V' && alias[1..].All(char.IsAsciiDigit)
            ? PortalError.Invalid($"Version alias name '{alias}' is reserved.")
            : null;
    }

    internal static PortalError? InvalidTags(IReadOnlyList<(string Key, string Value)> tags) => TrackingLimits.InvalidTags(tags, MaxTagValueLength);

    internal static PortalError? InvalidText(string what, string? value, int limit) => TrackingLimits.TooLong(what, value, limit);

    /// <summary>MLflow's run ids are 32 hex digits; other servers' may differ, so letters, digits, '_' and '-' up to 32.</summary>
    internal static PortalError? InvalidRunId(string? runId) =>
        string.IsNullOrEmpty(runId) || (runId.Length <= 32 && runId.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
            ? null
            : PortalError.Invalid($"Invalid run ID: '{Shorten(runId)}'");

    internal static PortalError ModelNotFound(string name) => PortalError.NotFound($"Registered Model with name={Shorten(name)} not found");

    internal static PortalError VersionNotFound(string name, long version) => PortalError.NotFound($"Model Version (name={Shorten(name)}, version={version}) not found");

    internal static PortalError AliasNotFound(string name, string alias) => PortalError.NotFound($"Registered model alias {Shorten(alias)} not found for model {Shorten(name)}.");

    internal static PortalError NameTaken(string name) => PortalError.Conflict($"Registered Model (name={Shorten(name)}) already exists.");

    private static string Shorten(string value) => TrackingLimits.Shorten(value);
}
