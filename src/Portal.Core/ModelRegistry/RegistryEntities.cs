namespace Portal.Core.ModelRegistry;

/// <summary>
/// An MLflow registered model, scoped to one repository: names are unique per repository, as they are per server in
/// MLflow. Times are milliseconds since the epoch, as MLflow uses.
/// </summary>
public sealed class RegisteredModel
{
    public long Id { get; set; }

    public long RepositoryId { get; set; }

    public required string Name { get; set; }

    public string? Description { get; set; }

    public long CreationTimestamp { get; set; }

    public long LastUpdatedTimestamp { get; set; }

    /// <summary>The highest version number ever given: as in MLflow, a deleted version's number is never given again.</summary>
    public long LastVersion { get; set; }

    public List<RegisteredModelTag> Tags { get; set; } = [];

    public List<RegisteredModelAlias> Aliases { get; set; } = [];
}

public sealed class RegisteredModelTag
{
    public long RegisteredModelId { get; set; }

    public required string Key { get; set; }

    public string Value { get; set; } = "";
}

/// <summary>A name (e.g. "champion") pointing at one version of the model.</summary>
public sealed class RegisteredModelAlias
{
    public long RegisteredModelId { get; set; }

    public required string Alias { get; set; }

    public long Version { get; set; }
}

/// <summary>
/// One version of a registered model. Portal keeps no copy of the model: <see cref="Source"/> is where its files are
/// (a runs:/, models:/ or mlflow-artifacts:/ URI), so a version is READY the moment it is created.
/// </summary>
public sealed class ModelVersion
{
    public long Id { get; set; }

    public long RegisteredModelId { get; set; }

    public RegisteredModel Model { get; set; } = null!;

    public long Version { get; set; }

    public string? Description { get; set; }

    public required string Source { get; set; }

    /// <summary>The run that produced the model, when it came from one (not checked: MLflow allows another server's runs).</summary>
    public string? RunId { get; set; }

    public string? RunLink { get; set; }

    /// <summary>The MLflow 3 logged model this version registers, if any.</summary>
    public string? LoggedModelId { get; set; }

    /// <summary>None, Staging, Production or Archived (MLflow's legacy stages).</summary>
    public string CurrentStage { get; set; } = "None";

    public long CreationTimestamp { get; set; }

    public long LastUpdatedTimestamp { get; set; }

    public List<ModelVersionTag> Tags { get; set; } = [];
}

public sealed class ModelVersionTag
{
    public long ModelVersionId { get; set; }

    public required string Key { get; set; }

    public string Value { get; set; } = "";
}
