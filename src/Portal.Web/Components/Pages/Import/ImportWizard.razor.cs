using System.Security.Claims;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Portal.Core.Accounts;
using Portal.Core.Repositories;
using Portal.Core.Upstreams;

namespace Portal.Web.Components.Pages.Import;

/// <summary>
/// The import wizard: one component per step, each with its own input model and EditContext. The inputs live here, so
/// going Back never loses what was typed; the rules live in the services the API uses.
/// </summary>
public partial class ImportWizard
{
    private readonly SourceInput source = new();
    private readonly AuthInput auth = new();
    private readonly DestinationInput destination = new();
    private readonly ModeInput mode = new();
    private readonly ConnectionTest test = new();

    private int step;
    private IReadOnlyList<Owner> owners = [];
    private string userId = "";
    private Repository? launched;
    private string launchedName = "";

    [CascadingParameter]
    private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    /// <summary>?owner=: the destination to preselect (an organization page's "Import into this organization").</summary>
    [SupplyParameterFromQuery(Name = "owner")]
    public string? PreselectedOwner { get; set; }

    /// <summary>The upstream as typed, once it parses.</summary>
    private UpstreamUrl? Upstream => UpstreamUrl.Parse(source.Url) is { Succeeded: true } parsed ? parsed.Value!.Url : null;

    private string? ManualHostKeys => Upstream?.HasHostKeys == true && !string.IsNullOrWhiteSpace(auth.HostKeys) ? auth.HostKeys : null;

    /// <summary>Over ssh, the keys the person saw in the connection test (or typed in), not whatever answers at the first sync.</summary>
    private string? HostKeysToPin => Upstream?.HasHostKeys == true ? ManualHostKeys ?? test.Result?.HostKeys : null;

    private string OwnerName => owners.FirstOrDefault(o => o.Id == destination.OwnerId)?.Name ?? "";

    protected override async Task OnInitializedAsync()
    {
        userId = (await AuthenticationState).User.FindFirstValue(ClaimTypes.NameIdentifier)!;
        owners = await ScopedServices.GetRequiredService<OwnerService>().ListRepositoryTargetsAsync(userId);
        destination.OwnerId = owners.FirstOrDefault(o => o.Slug == OwnerNamePolicy.Normalize(PreselectedOwner ?? ""))?.Id ?? owners[0].Id;
        mode.IntervalHours = ScopedServices.GetRequiredService<RepositoryInputValidator>().DefaultIntervalHours;
    }

    private void SourceDone(ParsedUpstreamUrl parsed)
    {
        if (!destination.NameTouched)
        {
            destination.Name = parsed.Url.SuggestedName();
        }

        if (parsed.EmbeddedPassword is not null && auth.Kind == AuthChoice.None)
        {
            // Credentials pasted in the URL move to the authentication step, where they are masked.
            auth.Kind = AuthChoice.Token;
            auth.Username = parsed.EmbeddedUserName ?? "";
            auth.Secret = parsed.EmbeddedPassword;
            source.Url = parsed.Url.ToString();
        }

        if (auth.Kind == AuthChoice.None && parsed.Url.AuthenticatesWithDeployKey)
        {
            auth.Kind = AuthChoice.DeployKey;
        }

        step = 1;
    }

    private async Task TestAsync()
    {
        if (Upstream is null)
        {
            return;
        }

        test.Running = true;
        test.Clear();
        try
        {
            var result = await ScopedServices.GetRequiredService<ConnectionTestService>().TestAsync(userId, source.Url, auth.ToRequest(), ManualHostKeys);
            test.Result = result.Value;
            test.Error = result.Error?.Message;
        }
        finally
        {
            test.Running = false;
        }
    }

    /// <summary>The connection must work before going on: a wrong token is fixed here, not after launch.</summary>
    private async Task AuthDoneAsync()
    {
        await TestAsync();
        if (test.Error is null)
        {
            step = 2;
        }
    }

    private void Launched(Repository repository)
    {
        launched = repository;
        launchedName = $"{OwnerName}/{repository.Name}";
    }
}
