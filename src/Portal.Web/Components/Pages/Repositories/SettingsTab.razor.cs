using Microsoft.AspNetCore.Components;
using Portal.Core.Repositories;
using Portal.Core.Upstreams;
using Radzen;

namespace Portal.Web.Components.Pages.Repositories;

/// <summary>
/// The Settings tab: description, visibility and (for mirrors) interval, credentials, host keys, "stop mirroring", and
/// delete. Each change goes to its service, which checks again who may make it when it is made.
/// </summary>
public partial class SettingsTab
{
    private string description = "";
    private RepositoryVisibility visibility = RepositoryVisibility.Private;
    private int intervalHours = 24;
    private int minIntervalHours = 1;
    private string credentialUser = "";
    private string credentialSecret = "";
    private string confirmName = "";
    private string? publicKey;
    private string hostKeys = "";
    private IReadOnlyList<string> hostKeyFingerprints = [];
    private UpstreamUrl? upstreamUrl;
    private string? message;
    private bool messageIsError;
    private long? loadedFor;

    [Parameter, EditorRequired]
    public Repository Repository { get; set; } = default!;

    [Parameter, EditorRequired]
    public string UserId { get; set; } = "";

    [Parameter]
    public EventCallback OnChanged { get; set; }

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    [Inject]
    private DialogService Dialogs { get; set; } = default!;

    private bool IsMirror => Repository.Mode == RepositoryMode.Mirror && Repository.Upstream is not null;

    /// <summary>Whether the mirror's upstream proves itself with host keys (ssh), so they can be shown and replaced.</summary>
    private bool IsSsh => IsMirror && upstreamUrl?.HasHostKeys == true;

    private bool UsesDeployKey => Repository.Upstream!.AuthKind == UpstreamAuthKind.SshKey || upstreamUrl?.AuthenticatesWithDeployKey == true;

    private RepositorySettingsService Settings => ScopedServices.GetRequiredService<RepositorySettingsService>();

    /// <summary>
    /// The form starts from what is stored once per repository, not at every render of the page: the page re-renders
    /// when a sync finishes or another card saves, and that must not wipe what is being typed in this one. After a
    /// save, a card shows what the service stored (trimmed, normalised), not what was typed.
    /// </summary>
    protected override async Task OnParametersSetAsync()
    {
        if (loadedFor == Repository.Id)
        {
            return;
        }

        loadedFor = Repository.Id;
        ShowStored(Repository);
        minIntervalHours = ScopedServices.GetRequiredService<RepositoryInputValidator>().MinIntervalHours;
        upstreamUrl = Repository.Upstream is { } upstream && UpstreamUrl.Parse(upstream.Url) is { Succeeded: true } parsed ? parsed.Value!.Url : null;
        publicKey = await Settings.DeployPublicKeyAsync(Repository.Id);
        hostKeyFingerprints = IsSsh ? await Settings.HostKeyFingerprintsAsync(Repository) : [];
    }

    private void ShowStored(Repository stored)
    {
        description = stored.Description;
        visibility = stored.Visibility;
        intervalHours = Math.Max(1, (stored.Upstream?.SyncIntervalMinutes ?? 1440) / 60);
    }

    private async Task SaveGeneralAsync()
    {
        var result = await Settings.UpdateAsync(UserId, Repository, new UpdateRepositoryRequest(Description: description, Visibility: visibility, IntervalHours: IsMirror ? intervalHours : null));
        if (result.Succeeded)
        {
            ShowStored(result.Value!);
        }

        await ReportAsync(result.Succeeded ? "Settings saved." : result.Error!.Message, !result.Succeeded);
    }

    private async Task SaveCredentialsAsync()
    {
        if (string.IsNullOrEmpty(credentialSecret))
        {
            await ReportAsync("Enter the new token or password.", true);
            return;
        }

        var result = await Settings.UpdateAsync(UserId, Repository, new UpdateRepositoryRequest(Auth: new UpstreamAuthRequest(credentialUser, credentialSecret, null)));
        credentialSecret = "";
        await ReportAsync(result.Succeeded ? "Credentials replaced. They take effect at the next sync." : result.Error!.Message, !result.Succeeded);
    }

    private async Task SaveHostKeysAsync()
    {
        if (string.IsNullOrWhiteSpace(hostKeys))
        {
            await ReportAsync("Paste the server's host keys first.", true);
            return;
        }

        var result = await Settings.UpdateAsync(UserId, Repository, new UpdateRepositoryRequest(HostKeys: hostKeys));
        if (result.Succeeded)
        {
            hostKeys = "";
            hostKeyFingerprints = await Settings.HostKeyFingerprintsAsync(result.Value!);
        }

        await ReportAsync(result.Succeeded ? "Host keys replaced: the next sync accepts only these." : result.Error!.Message, !result.Succeeded);
    }

    private async Task RegenerateKeyAsync()
    {
        var key = await ScopedServices.GetRequiredService<DeployKeyService>().CreatePendingAsync(UserId, default);
        var result = await Settings.UpdateAsync(UserId, Repository, new UpdateRepositoryRequest(Auth: new UpstreamAuthRequest(null, null, key.Id)));
        publicKey = result.Succeeded ? key.PublicKey : publicKey;
        await ReportAsync(result.Succeeded ? "New deploy key generated: replace the old one upstream, then sync." : result.Error!.Message, !result.Succeeded);
    }

    private async Task ConvertAsync()
    {
        var confirmed = await Dialogs.Confirm(
            "Portal stops syncing from the upstream and this becomes a repository hosted here that accepts pushes. The upstream URL is kept for reference; its stored credentials are deleted. This cannot be undone.",
            "Stop mirroring?",
            new ConfirmOptions { OkButtonText = "Stop mirroring", CancelButtonText = "Cancel" });
        if (confirmed != true)
        {
            return;
        }

        var result = await ScopedServices.GetRequiredService<RepositoryConversionService>().ConvertToHostedAsync(UserId, Repository);
        await ReportAsync(result.Succeeded ? "This repository is now hosted here: push to it directly." : result.Error!.Message, !result.Succeeded);
    }

    private async Task DeleteAsync()
    {
        var result = await ScopedServices.GetRequiredService<RepositoryRemovalService>().DeleteAsync(UserId, Repository);
        if (result.Succeeded)
        {
            Navigation.NavigateTo("/");
            return;
        }

        await ReportAsync(result.Error!.Message, true);
    }

    private async Task ReportAsync(string text, bool isError)
    {
        message = text;
        messageIsError = isError;
        if (!isError)
        {
            await OnChanged.InvokeAsync();
        }
    }
}
