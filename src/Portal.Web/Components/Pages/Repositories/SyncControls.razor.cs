using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;
using Portal.Core.Jobs;
using Portal.Core.Mirroring;
using Portal.Core.Repositories;

namespace Portal.Web.Components.Pages.Repositories;

/// <summary>
/// The sync button and the mirror's sync status beside the project name, updated live from <see cref="SyncProgressTracker"/>.
/// Whether a sync may start is the service's decision; this only shows it, with the limit as configured.
/// </summary>
public partial class SyncControls
{
    private Job? state;
    private SyncProgress? progress;
    private bool showError;
    private TimeSpan? limitWait;
    private string? limitMessage;
    private Timer? poll;

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
    private IOptions<SyncOptions> SyncOptions { get; set; } = default!;

    private DateTime Now => Clock.GetUtcNow().UtcDateTime;

    /// <summary>"5 minutes" by default: Portal:Sync:MinManualInterval, as the service enforces it.</summary>
    private string ManualLimit => SyncOptions.Value.MinManualIntervalText;

    private string? VisibleError => SyncErrorRedactor.ForRole(state?.LastError, Role, Repository.Upstream?.Url);

    private bool Busy => state?.Status is JobStatus.Queued or JobStatus.Running;

    private string ProgressText => progress is { Percent: { } p } ? $"{progress.Phase} {p}%" : progress?.Phase ?? "";

    private string ButtonTitle => limitWait is { } wait
        ? $"Manual syncs are limited to one every {ManualLimit}: try again in {Math.Ceiling(wait.TotalMinutes):0} min."
        : Busy ? "A sync is queued or running." : "Fetch the latest changes from the upstream now.";

    protected override async Task OnInitializedAsync()
    {
        await ReloadAsync();
        Tracker.Changed += OnProgress;
        Tracker.StateChanged += OnStateChanged;
        // A safety net for events missed while the circuit reconnects.
        poll = new Timer(_ => InvokeAsync(async () => { if (Busy) { await ReloadAsync(); StateHasChanged(); } }), null, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2));
    }

    private async Task ReloadAsync()
    {
        await using var scope = Scopes.CreateAsyncScope();
        var syncs = scope.ServiceProvider.GetRequiredService<SyncRequestService>();
        var wasBusy = Busy;
        state = await syncs.GetStateAsync(Repository.Id);
        progress = Tracker.Get(Repository.Id);
        limitWait = state is null ? null : syncs.ManualSyncWait(state);
        limitMessage = limitWait is { } wait && !Busy
            ? $"You can sync again in {Math.Ceiling(wait.TotalMinutes):0} min (one manual sync every {ManualLimit})."
            : null;

        if (wasBusy && !Busy)
        {
            await OnSynced.InvokeAsync();
        }
    }

    private async Task SyncAsync()
    {
        await using var scope = Scopes.CreateAsyncScope();
        var result = await scope.ServiceProvider.GetRequiredService<SyncRequestService>().RequestAsync(Repository, JobTrigger.Manual, UserId ?? "");
        await ReloadAsync();
        if (!result.Succeeded)
        {
            limitMessage = result.Error!.Message;
        }
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
        poll?.Dispose();
    }
}
