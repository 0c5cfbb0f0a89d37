namespace Portal.Core.Experiments;

/// <summary>An MLflow experiment, scoped to one repository. Times are milliseconds since the epoch, as MLflow uses.</summary>
public sealed class TrackingExperiment
{
    public long Id { get; set; }

    public long RepositoryId { get; set; }

    public required string Name { get; set; }

    public string ArtifactLocation { get; set; } = "";

    public string LifecycleStage { get; set; } = "active";

    public long CreationTime { get; set; }

    public long LastUpdateTime { get; set; }

    public List<TrackingExperimentTag> Tags { get; set; } = [];
}

public sealed class TrackingExperimentTag
{
    public long ExperimentId { get; set; }

    public required string Key { get; set; }

    public string Value { get; set; } = "";
}

public sealed class TrackingRun
{
    /// <summary>32 hex digits, as MLflow's run ids.</summary>
    public required string Id { get; set; }

    public long ExperimentId { get; set; }

    public long RepositoryId { get; set; }

    public string RunName { get; set; } = "";

    public string UserId { get; set; } = "";

    public string Status { get; set; } = "RUNNING";

    public long StartTime { get; set; }

    public long? EndTime { get; set; }

    public string LifecycleStage { get; set; } = "active";

    public string ArtifactUri { get; set; } = "";

    public List<TrackingParam> Params { get; set; } = [];

    public List<TrackingRunTag> Tags { get; set; } = [];

    public List<TrackingLatestMetric> LatestMetrics { get; set; } = [];

    /// <summary>Datasets the run used (runs/log-inputs); loaded by runs/get.</summary>
    public List<TrackingDatasetInput> DatasetInputs { get; set; } = [];

    /// <summary>Logged models the run used or produced (runs/log-inputs, runs/outputs); loaded by runs/get.</summary>
    public List<TrackingRunModel> Models { get; set; } = [];
}

public sealed class TrackingParam
{
    public required string RunId { get; set; }

    public required string Key { get; set; }

    public string Value { get; set; } = "";
}

public sealed class TrackingRunTag
{
    public required string RunId { get; set; }

    public required string Key { get; set; }

    public string Value { get; set; } = "";
}

/// <summary>Every logged value of every metric: the history a chart draws.</summary>
public sealed class TrackingMetric
{
    public long Id { get; set; }

    public required string RunId { get; set; }

    public required string Key { get; set; }

    /// <summary>The value; NaN and ±Infinity are values too, as in MLflow.</summary>
    public double Value
    {
        get => StoredValue ?? double.NaN;
        set => StoredValue = double.IsNaN(value) ? null : value;
    }

    /// <summary>The "Value" column: SQLite stores NaN as NULL (±Infinity as itself), so NULL here means NaN.</summary>
    public double? StoredValue { get; private set; }

    public long Timestamp { get; set; }

    public long Step { get; set; }
}

/// <summary>A metric's latest value (highest step, then latest time), kept beside the history so search and sort need no scan.</summary>
public sealed class TrackingLatestMetric
{
    public required string RunId { get; set; }

    public required string Key { get; set; }

    /// <summary>The value; NaN and ±Infinity are values too, as in MLflow.</summary>
    public double Value
    {
        get => StoredValue ?? double.NaN;
        set => StoredValue = double.IsNaN(value) ? null : value;
    }

    /// <summary>The "Value" column: SQLite stores NaN as NULL (±Infinity as itself), so NULL here means NaN.</summary>
    public double? StoredValue { get; private set; }

    public long Timestamp { get; set; }

    public long Step { get; set; }
}
