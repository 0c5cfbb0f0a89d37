using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;
using Portal.Core;
using Portal.Core.Jobs;
using Portal.Core.Mirroring;
using Portal.Core.Repositories;
using Portal.Web.Rendering;

namespace Portal.Web.Components.Pages.Repositories;

/// <summary>
/// The sync button and the mirror's sync status beside the project name, updated live from <see cref="SyncProgressTracker"/>
/// and kept current by the clock: the manual-sync wait counts down and ends on an open page, and "synced 3 minutes
/// ago" ages. Whether a sync may start is the service's decision; this only shows it, with the limit as configured.
/// </summary>
public partial class SyncControls
{
    /// <summary>How often the page re-reads the clock (and, while a sync is queued or running, the job).</summary>
    private static readonly TimeSpan TickPeriod = TimeSpan.FromSeconds(2);

    private Job? state;
    private SyncProgress? progress;
    private bool showError;
    private TimeSpan? limitWait;
    private string? limitMessage;
    private string? refusal;
    private string shown = "";
    private ITimer? tick;

    [Parameter, EditorRequired]
    public Repository Repository { get; set; } = default!;

    [Parameter]
    public bool CanSync { get; set; }

    /// <summary>The viewer's role: maintainers see the full error, everyone else a version without upstream addresses.</summary>
    [Parameter]
    public RepositoryRole Role { get; set; }

    [Parameter]
    public string? UserId { get; set; }

    /// <summary>Raised when a sync finishes, so the page can reload what it shows.</summary>
    [Parameter]
    public EventCallback OnSynced { get; set; }

    [Inject]
    private IServiceScopeFactory Scopes { get; set; } = default!;

    [Inject]
    private SyncProgressTracker Tracker { get; set; } = default!;

    [Inject]
    private TimeProvider Clock { get; set; } = default!;

    [Inject]
    private IOptions<SyncOptions> SyncSettings { get; set; } = default!;

    private DateTime Now => Clock.GetUtcNow().UtcDateTime;

    /// <summary>"5 minutes" by default: Portal:Sync:MinManualInterval, as the service enforces it.</summary>
    private string ManualLimit => SyncSettings.Value.MinManualIntervalText;

    private string? VisibleError => SyncErrorRedactor.ForRole(state?.LastError, Role, Repository.Upstream?.Url);

    private bool Busy => state?.Status is JobStatus.Queued or JobStatus.Running;

    private string ProgressText => progress is { Percent: { } p } ? $"{progress.Phase} {p}%" : progress?.Phase ?? "";

    private string ButtonTitle => limitWait is { } wait
        ? $"Manual syncs are limited to one every {ManualLimit}: try again in {SyncOptions.Duration(wait)}."
        : Busy ? "A sync is queued or running." : "Fetch the latest changes from the upstream now.";

    /// <summary>Everything the clock changes on screen: a tick re-renders only when this differs.</summary>
    private string Shown => $"{limitMessage}|{ButtonTitle}|{TimeText.Ago(state?.LastSuccessAt, Now)}|{TimeText.Ago(state?.LastAttemptAt, Now)}";

    protected override async Task OnInitializedAsync()
    {
        await ReloadAsync();
        Tracker.Changed += OnProgress;
        Tracker.StateChanged += OnStateChanged;
        // Progress and state changes arrive as events; the tick covers time passing and events missed while the
        // circuit reconnected.
        tick = Clock.CreateTimer(_ => InvokeAsync(TickAsync), null, TickPeriod, TickPeriod);
    }

    private async Task TickAsync()
    {
        if (Busy)
        {
            await ReloadAsync();
            StateHasChanged();
            return;
        }

        ShowLimit();
        if (Shown != shown)
        {
            StateHasChanged();
        }
    }

    protected override void OnAfterRender(bool firstRender) => shown = Shown;

    private async Task ReloadAsync()
    {
        await using var scope = Scopes.CreateAsyncScope();
        var syncs = scope.ServiceProvider.GetRequiredService<SyncRequestService>();
        var wasBusy = Busy;
        state = await syncs.GetStateAsync(Repository.Id);
        progress = Tracker.Get(Repository.Id);
        ShowLimit();

        if (wasBusy && !Busy)
        {
            await OnSynced.InvokeAsync();
        }
    }

    /// <summary>The manual-sync wait as of now, by the service's rule; the message goes once the wait is over.</summary>
    private void ShowLimit()
    {
        limitWait = state is null ? null : SyncRequestService.ManualSyncWait(state, Now, SyncSettings.Value.MinManualInterval);
        limitMessage = refusal ?? (limitWait is { } wait && !Busy
            ? $"You can sync again in {SyncOptions.Duration(wait)} (one manual sync every {ManualLimit})."
            : null);
    }

    private async Task SyncAsync()
    {
        await using var scope = Scopes.CreateAsyncScope();
        var result = await scope.ServiceProvider.GetRequiredService<SyncRequestService>().RequestAsync(Repository, JobTrigger.Manual, UserId ?? "");
        // A refusal (no longer allowed, already queued) stays on screen until the next click; "too soon" is the
        // countdown's to show.
        refusal = result.Error is { Kind: not PortalErrorKind.TooManyRequests } error ? error.Message : null;
        await ReloadAsync();
    }

    private void OnProgress(long repositoryId, SyncProgress? value)
    {
        if (repositoryId == Repository.Id)
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
        if (repositoryId == Repository.Id)
        {
            _ = InvokeAsync(async () =>
            {
                await ReloadAsync();
                StateHasChanged();
            });
        }
    }

    public void Dispose()
    {
        Tracker.Changed -= OnProgress;
        Tracker.StateChanged -= OnStateChanged;
        tick?.Dispose();
    }
}
