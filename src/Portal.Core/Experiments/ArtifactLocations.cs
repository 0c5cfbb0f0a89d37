using System.Globalization;

namespace Portal.Core.Experiments;

/// <summary>
/// Where MLflow's client puts a run's artifacts: "mlflow-artifacts:/&lt;experiment&gt;/&lt;run&gt;/artifacts", as a stock
/// server started with --serve-artifacts answers. The URI has no host: the client resolves it against its tracking URI,
/// to {tracking URI}/api/2.0/mlflow-artifacts/artifacts/&lt;experiment&gt;/&lt;run&gt;/artifacts, which is this repository's
/// artifact store. Experiments and runs created before the store existed (an empty location, or a relative
/// "&lt;run&gt;/artifacts") get theirs computed, not stored; a location the client chose itself (s3://…) is kept.
/// </summary>
public static class ArtifactLocations
{
    public const string Scheme = "mlflow-artifacts:";

    public static string Experiment(TrackingExperiment experiment) =>
        string.IsNullOrEmpty(experiment.ArtifactLocation) ? Default(experiment.Id) : experiment.ArtifactLocation;

    public static string Run(TrackingRun run) =>
        HasScheme(run.ArtifactUri) ? run.ArtifactUri : $"{Default(run.ExperimentId)}/{run.Id}/artifacts";

    /// <summary>A new run's URI, below its experiment's location.</summary>
    public static string NewRun(TrackingExperiment experiment, string runId) => $"{Experiment(experiment).TrimEnd('/')}/{runId}/artifacts";

    /// <summary>The run's folder in Portal's artifact store, or null when its artifacts live elsewhere (a location the client chose).</summary>
    public static ArtifactPath? StorePath(TrackingRun run)
    {
        var uri = Run(run);
        if (!uri.StartsWith(Scheme + "/", StringComparison.Ordinal) || uri.StartsWith(Scheme + "//", StringComparison.Ordinal))
        {
            return null;
        }

        var parsed = ArtifactPath.Parse(uri[(Scheme.Length + 1)..]);
        return parsed.Succeeded ? parsed.Value : null;
    }

    private static string Default(long experimentId) => $"{Scheme}/{experimentId.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>"s3://…", "mlflow-artifacts:/…": a URI, unlike the relative "&lt;run&gt;/artifacts" runs were given before.</summary>
    private static bool HasScheme(string uri)
    {
        var colon = uri.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && uri.IndexOf('/', StringComparison.Ordinal) is var slash && (slash < 0 || colon < slash);
    }
}
