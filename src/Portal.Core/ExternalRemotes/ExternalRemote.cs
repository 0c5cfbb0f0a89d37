namespace Portal.Core.ExternalRemotes;

/// <summary>A remote a project keeps elsewhere (data in S3, another MLflow server), listed in its Remotes panel.</summary>
public sealed class ExternalRemote
{
    public long Id { get; set; }

    public long RepositoryId { get; set; }

    public required string Name { get; set; }

    public ExternalRemoteKind Kind { get; set; }

    public required string Url { get; set; }

    public string Note { get; set; } = "";
}

public enum ExternalRemoteKind
{
    Git,
    Storage,
    Experiments,
}
