using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.AspNetCore.Components;
using Portal.Core.Accounts;
using Portal.Core.Jobs;
using Portal.Core.Mirroring;
using Portal.Core.Repositories;
using Portal.Core.Upstreams;

namespace Portal.Web.Components.Pages.Import;

/// <summary>
/// The import wizard. Each step has its own model and EditContext; server-side checks (URL policy, connection test,
/// name availability) report into the step's ValidationMessageStore. All fields live on this component, so going
/// Back never loses what was typed. The rules themselves live in the services the API uses.
/// </summary>
public partial class ImportWizard
{
    private static readonly string[] visibilities = ["private", "internal", "public"];

    private readonly SourceStep source = new();
    private readonly AuthStep auth = new();
    private readonly DestinationStep destination = new();
    private readonly ModeStep mode = new();
    private EditContext sourceContext = default!;
    private EditContext authContext = default!;
    private EditContext destinationContext = default!;
    private EditContext modeContext = default!;
    private ValidationMessageStore sourceMessages = default!;
    private ValidationMessageStore authMessages = default!;
    private ValidationMessageStore destinationMessages = default!;
    private ValidationMessageStore modeMessages = default!;

    private int step;
    private IReadOnlyList<Owner> owners = [];
    private string userId = "";
    private ConnectionTestResult? testResult;
    private string? testError;
    private bool testing;
    private bool nameAvailable;
    private bool nameTouched;
    private bool launching;
    private string? launchError;
    private string? launched;
    private string? launchedName;
    private long launchedId;
    private SyncProgress? progress;
    private string? importError;

    [CascadingParameter]
    private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    [Inject]
    private SyncProgressTracker Tracker { get; set; } = default!;

    private RepositoryService Repositories => ScopedServices.GetRequiredService<RepositoryService>();

    private bool IsSsh => UpstreamUrl.Parse(source.Url) is { Succeeded: true } parsed && parsed.Value!.Url.Scheme == "ssh";

    private string? ManualHostKeys => IsSsh && !string.IsNullOrWhiteSpace(auth.HostKeys) ? auth.HostKeys : null;

    private string OwnerName => owners.FirstOrDefault(o => o.Id == destination.OwnerId)?.Name ?? "";

    private string AuthSummary => auth.Kind switch
    {
        AuthChoice.Token => $"{(string.IsNullOrWhiteSpace(auth.Username) ? "token" : auth.Username)} / ••••••••",
        AuthChoice.DeployKey => "SSH deploy key",
        _ => "none",
    };

    protected override async Task OnInitializedAsync()
    {
        sourceContext = new EditContext(source);
        authContext = new EditContext(auth);
        destinationContext = new EditContext(destination);
        modeContext = new EditContext(mode);
        sourceMessages = new ValidationMessageStore(sourceContext);
        authMessages = new ValidationMessageStore(authContext);
        destinationMessages = new ValidationMessageStore(destinationContext);
        modeMessages = new ValidationMessageStore(modeContext);
        userId = (await AuthenticationState).User.FindFirstValue(ClaimTypes.NameIdentifier)!;
        owners = await ScopedServices.GetRequiredService<OwnerService>().ListRepositoryTargetsAsync(userId);
        destination.OwnerId = owners[0].Id;
        Tracker.Changed += OnProgress;
        Tracker.StateChanged += OnStateChanged;
    }

    private void OnUrlInput(ChangeEventArgs args)
    {
        source.Url = args.Value?.ToString() ?? "";
        ValidateUrl(showEmpty: false);
        testResult = null;
        testError = null;
    }

    private bool ValidateUrl(bool showEmpty)
    {
        sourceMessages.Clear();
        var parsed = UpstreamUrl.Parse(source.Url);
        if (!parsed.Succeeded && (showEmpty || source.Url.Length > 0))
        {
            sourceMessages.Add(() => source.Url, parsed.Error!.Message);
        }

        sourceContext.NotifyValidationStateChanged();
        return parsed.Succeeded;
    }

    private async Task NextFromSourceAsync()
    {
        if (!ValidateUrl(showEmpty: true))
        {
            return;
        }

        var parsed = UpstreamUrl.Parse(source.Url).Value!;
        if (!nameTouched)
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

        if (auth.Kind == AuthChoice.None && parsed.Url.Scheme == "ssh")
        {
            auth.Kind = AuthChoice.DeployKey;
        }

        await CheckNameAsync();
        Advance(1);
    }

    private async Task TestAsync()
    {
        if (!ValidateUrl(showEmpty: true))
        {
            return;
        }

        testing = true;
        testError = null;
        testResult = null;
        try
        {
            var result = await Repositories.TestConnectionAsync(userId, source.Url, AuthRequest(), ManualHostKeys);
            testResult = result.Value;
            testError = result.Error?.Message;
        }
        finally
        {
            testing = false;
        }
    }

    private async Task GenerateKeyAsync()
    {
        var key = await ScopedServices.GetRequiredService<DeployKeyService>().CreatePendingAsync(userId, default);
        auth.DeployKeyId = key.Id;
        auth.PublicKey = key.PublicKey;
    }

    private async Task NextFromAuthAsync()
    {
        authMessages.Clear();
        if (auth.Kind == AuthChoice.Token && string.IsNullOrEmpty(auth.Secret))
        {
            authMessages.Add(() => auth.Secret, "Enter the token or password, or choose None for a public repository.");
        }
        else if (auth.Kind == AuthChoice.DeployKey && auth.DeployKeyId is null)
        {
            authMessages.Add(() => auth.Secret, "Generate a deploy key and add it upstream first.");
        }
        else
        {
            // The connection must work before going on: a wrong token is fixed here, not after launch.
            await TestAsync();
            if (testError is null)
            {
                Advance(2);
            }
        }

        authContext.NotifyValidationStateChanged();
    }

    private async Task OnNameInputAsync(ChangeEventArgs args)
    {
        destination.Name = args.Value?.ToString() ?? "";
        nameTouched = true;
        await CheckNameAsync();
    }

    private async Task<bool> CheckNameAsync()
    {
        destinationMessages.Clear();
        nameAvailable = false;
        var check = RepositoryNamePolicy.Check(destination.Name);
        if (!check.IsValid)
        {
            destinationMessages.Add(() => destination.Name, check.Error!);
        }
        else if (!await Repositories.IsNameAvailableAsync(destination.OwnerId, destination.Name))
        {
            destinationMessages.Add(() => destination.Name, $"{OwnerName}/{destination.Name} already exists: choose another name.");
        }
        else
        {
            nameAvailable = true;
        }

        destinationContext.NotifyValidationStateChanged();
        return nameAvailable;
    }

    private async Task NextFromDestinationAsync()
    {
        if (await CheckNameAsync())
        {
            Advance(3);
        }
    }

    private void NextFromMode()
    {
        modeMessages.Clear();
        if (mode.Mode == "mirror" && mode.IntervalHours < 1)
        {
            modeMessages.Add(() => mode.IntervalHours, "Sync at most once an hour.");
            modeContext.NotifyValidationStateChanged();
            return;
        }

        Advance(4);
    }

    private async Task LaunchAsync()
    {
        launching = true;
        launchError = null;
        try
        {
            // Over ssh, pin the keys the person saw in the connection test (or typed in), not whatever answers at the first sync.
            var hostKeys = IsSsh ? ManualHostKeys ?? testResult?.HostKeys : null;
            var request = new CreateRepositoryRequest(source.Url, mode.Mode, OwnerName, destination.Name, destination.Visibility, destination.Description, AuthRequest(), mode.Mode == "mirror" ? mode.IntervalHours : null, mode.Lfs, HostKeys: hostKeys);
            var created = await Repositories.CreateAsync(userId, request);
            if (!created.Succeeded)
            {
                launchError = created.Error!.Message;
                return;
            }

            auth.Secret = "";
            launchedId = created.Value!.Id;
            launchedName = $"{OwnerName}/{created.Value.Name}";
            launched = launchedName;
            await CheckFinishedAsync();
        }
        finally
        {
            launching = false;
        }
    }

    private UpstreamAuthRequest? AuthRequest() => auth.Kind switch
    {
        AuthChoice.Token => new UpstreamAuthRequest(auth.Username, auth.Secret, null),
        AuthChoice.DeployKey => new UpstreamAuthRequest(null, null, auth.DeployKeyId),
        _ => null,
    };

    private void Advance(int to) => step = to;

    private void OnProgress(long repositoryId, SyncProgress? value)
    {
        if (repositoryId == launchedId && launched is not null)
        {
            _ = InvokeAsync(() =>
            {
                progress = value;
                StateHasChanged();
            });
        }
    }

    private void OnStateChanged(long repositoryId)
    {
        if (repositoryId == launchedId && launched is not null)
        {
            _ = InvokeAsync(CheckFinishedAsync);
        }
    }

    /// <summary>When the import is done, go to the project page; if it failed, say why here.</summary>
    private async Task CheckFinishedAsync()
    {
        await using var scope = ScopedServices.CreateAsyncScope();
        var state = await scope.ServiceProvider.GetRequiredService<SyncRequestService>().GetStateAsync(launchedId);
        if (state?.Status is JobStatus.Succeeded)
        {
            Navigation.NavigateTo(launched!);
        }
        else if (state?.Status is JobStatus.Failed or JobStatus.HardFailed)
        {
            importError = state.LastError;
            StateHasChanged();
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Tracker.Changed -= OnProgress;
            Tracker.StateChanged -= OnStateChanged;
        }

        base.Dispose(disposing);
    }
}
