namespace Portal.Web.Components.Pages.Import;

/// <summary>Step 1: where the repository comes from.</summary>
public sealed class SourceStep
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
public sealed class AuthStep
{
    public AuthChoice Kind { get; set; } = AuthChoice.None;

    public string Username { get; set; } = "";

    public string Secret { get; set; } = "";

    public string? DeployKeyId { get; set; }

    public string? PublicKey { get; set; }

    /// <summary>For ssh: host keys typed in by hand (known_hosts lines); empty means "use the keys the connection test saw".</summary>
    public string HostKeys { get; set; } = "";
}

/// <summary>Step 3: where the repository goes.</summary>
public sealed class DestinationStep
{
    public long OwnerId { get; set; }

    public string Name { get; set; } = "";

    public string Visibility { get; set; } = "private";

    public string Description { get; set; } = "";
}

/// <summary>Step 4: mirror (kept in sync) or migrate (copied once).</summary>
public sealed class ModeStep
{
    public string Mode { get; set; } = "mirror";

    public int IntervalHours { get; set; } = 24;

    public bool Lfs { get; set; } = true;
}
