using Portal.Core.Repositories;

namespace Portal.Web.Components.Pages.Import;

/// <summary>Step 1: where the repository comes from.</summary>
public sealed class SourceInput
{
    public string Url { get; set; } = "";
}

public enum AuthChoice
{
    None,
    Token,
    DeployKey,
}

/// <summary>Step 2: how Portal authenticates upstream. The secret stays in memory only until launch.</summary>
public sealed class AuthInput
{
    public AuthChoice Kind { get; set; } = AuthChoice.None;

    public string Username { get; set; } = "";

    public string Secret { get; set; } = "";

    public string? DeployKeyId { get; set; }

    public string? PublicKey { get; set; }

    /// <summary>For ssh: host keys typed in by hand (known_hosts lines); empty means "use the keys the connection test saw".</summary>
    public string HostKeys { get; set; } = "";

    /// <summary>The credentials as the services take them; null for none.</summary>
    public UpstreamAuthRequest? ToRequest() => Kind switch
    {
        AuthChoice.Token => new UpstreamAuthRequest(Username, Secret, null),
        AuthChoice.DeployKey => new UpstreamAuthRequest(null, null, DeployKeyId),
        _ => null,
    };
}

/// <summary>Step 3: where the repository goes.</summary>
public sealed class DestinationInput
{
    public long OwnerId { get; set; }

    public string Name { get; set; } = "";

    /// <summary>Whether the person typed a name; until then it follows the URL.</summary>
    public bool NameTouched { get; set; }

    public RepositoryVisibility Visibility { get; set; } = RepositoryVisibility.Private;

    public string Description { get; set; } = "";
}

/// <summary>Step 4: mirror (kept in sync) or migrate (copied once).</summary>
public sealed class ModeInput
{
    public RepositoryMode Mode { get; set; } = RepositoryMode.Mirror;

    /// <summary>Starts at Portal:Sync:DefaultInterval (the wizard sets it).</summary>
    public int IntervalHours { get; set; } = 24;

    public bool Lfs { get; set; } = true;

    /// <summary>For mirrors: pushes to Portal are forwarded to the upstream first.</summary>
    public bool WriteThrough { get; set; }
}

/// <summary>The last connection test, shown on the source and authentication steps until the URL changes.</summary>
public sealed class ConnectionTest
{
    public ConnectionTestResult? Result { get; set; }

    public string? Error { get; set; }

    public bool Running { get; set; }

    public void Clear()
    {
        Result = null;
        Error = null;
    }
}
