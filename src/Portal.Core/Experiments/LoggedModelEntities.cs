namespace Portal.Core.Experiments;

/// <summary>
/// An MLflow 3 logged model: a model logged to an experiment (optionally by a run), with its own params and tags and
/// artifacts under <see cref="ArtifactLocation"/>. Created PENDING, finalized READY or FAILED once its files are up.
/// </summary>
public sealed class LoggedModel
{
    /// <summary>"m-" and 32 hex digits, as MLflow's model ids.</summary>
    public required string Id { get; set; }

    public long RepositoryId { get; set; }

    public long ExperimentId { get; set; }

    public required string Name { get; set; }

    public string ArtifactLocation { get; set; } = "";

    public string? ModelType { get; set; }

    public string? SourceRunId { get; set; }

    /// <summary>MLflow's enum name: LOGGED_MODEL_PENDING, LOGGED_MODEL_READY or LOGGED_MODEL_UPLOAD_FAILED.</summary>
    public string Status { get; set; } = LoggedModelStatus.Pending;

    public string LifecycleStage { get; set; } = "active";

    public long CreationTimestamp { get; set; }

    public long LastUpdatedTimestamp { get; set; }

    public List<LoggedModelParam> Params { get; set; } = [];

    public List<LoggedModelTag> Tags { get; set; } = [];
}

public static class LoggedModelStatus
{
    public const string Pending = "LOGGED_MODEL_PENDING";
    public const string Ready = "LOGGED_MODEL_READY";
    public const string Failed = "LOGGED_MODEL_UPLOAD_FAILED";
}

public sealed class LoggedModelParam
{
    public required string ModelId { get; set; }

    public required string Key { get; set; }

    public string Value { get; set; } = "";
}

public sealed class LoggedModelTag
{
    public required string ModelId { get; set; }

    public required string Key { get; set; }

    public string Value { get; set; } = "";
}

/// <summary>A dataset a run used (runs/log-inputs), returned in the run's inputs.dataset_inputs.</summary>
public sealed class TrackingDatasetInput
{
    public long Id { get; set; }

    public required string RunId { get; set; }

    public required string Name { get; set; }

    public required string Digest { get; set; }

    public required string SourceType { get; set; }

    public required string Source { get; set; }

    public string? Schema { get; set; }

    public string? Profile { get; set; }

    /// <summary>The input's tags, e.g. mlflow.data.context = training.</summary>
    public List<TrackingDatasetInputTag> Tags { get; set; } = [];
}

public sealed class TrackingDatasetInputTag
{
    public long InputId { get; set; }

    public required string Key { get; set; }

    public string Value { get; set; } = "";
}

/// <summary>A logged model a run used (inputs.model_inputs) or produced (outputs.model_outputs, with the step).</summary>
public sealed class TrackingRunModel
{
    public required string RunId { get; set; }

    public required string ModelId { get; set; }

    public bool IsOutput { get; set; }

    public long Step { get; set; }
}
