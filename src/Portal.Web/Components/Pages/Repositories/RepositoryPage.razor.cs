using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components;
using Portal.Core.Browsing;
using Portal.Core.Jobs;
using Portal.Core.Mirroring;
using Portal.Core.Repositories;
using Portal.Web.Hosting;
using Radzen;

namespace Portal.Web.Components.Pages.Repositories;

/// <summary>The project page: /{owner}/{name}?tab=files|commits|branches|tags|activity|settings&amp;ref=…&amp;path=…&amp;commit=…&amp;view=blame&amp;base=…&amp;head=…&amp;remotes=all.</summary>
public partial class RepositoryPage
{
    private static readonly string[] TabNames = ["files", "commits", "branches", "tags", "activity", "experiments", "settings"];

    private Repository? repository;
    private Job? sync;
    private RepositoryRole role;
    private string? userId;
    private string? userName;
    private bool loading = true;

    /// <summary>Why the Files tab has nothing to show (null: it has).</summary>
    private EmptyRepository.EmptyState? empty;
    private int activityVersion;

    /// <summary>The repository the tabs were last built for.</summary>
    private (string? Owner, string? Name) loadedFor;

    /// <summary>The activity events whose ref changes the person expanded: kept across the activity tab's reloads.</summary>
    private readonly HashSet<long> expandedChanges = [];

    [Parameter]
    public string Owner { get; set; } = "";

    [Parameter]
    public string Name { get; set; } = "";

    [SupplyParameterFromQuery]
    public string? Tab { get; set; }

    [SupplyParameterFromQuery]
    public string? Ref { get; set; }

    [SupplyParameterFromQuery]
    public string? Path { get; set; }

    [SupplyParameterFromQuery]
    public string? Commit { get; set; }

    /// <summary>Commits tab: a page number; the Experiments tab reads the same key as the runs search's page token.</summary>
    [SupplyParameterFromQuery]
    public string? Page { get; set; }

    /// <summary>Files tab: "blame" shows who last changed each line of the file.</summary>
    [SupplyParameterFromQuery]
    public string? View { get; set; }

    /// <summary>Commits tab: with <see cref="Head"/>, compares two refs.</summary>
    [SupplyParameterFromQuery]
    public string? Base { get; set; }

    [SupplyParameterFromQuery]
    public string? Head { get; set; }

    [SupplyParameterFromQuery]
    public string? Experiment { get; set; }

    [SupplyParameterFromQuery]
    public string? Run { get; set; }

    [SupplyParameterFromQuery]
    public string? Compare { get; set; }

    [SupplyParameterFromQuery]
    public string? Sort { get; set; }

    /// <summary>"all": the full Remotes panel is open (the Clone drop-down links to it).</summary>
    [SupplyParameterFromQuery]
    public string? Remotes { get; set; }

    [CascadingParameter]
    private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    [Inject]
    private PublicBaseUrl PublicUrl { get; set; } = default!;

    private string BaseHref => $"{repository!.Owner!.Name}/{repository.Name}";

    private string RemoteUrl(string suffix) => PublicBaseUrl.Repository(PublicUrl.For(Navigation), repository!.Owner!.Name, repository.Name, suffix);

    /// <summary>This page with the full Remotes panel open or closed, relative to the base: never the request's own host (behind a proxy it is not the public one).</summary>
    private string RemotesHref(bool open) => Navigation.ToBaseRelativePath(Navigation.GetUriWithQueryParameter("remotes", open ? "all" : null));

    private string LoginHref => Account.AccountLinks.SignInReturningHere(Navigation);

    private int SelectedTab => Math.Max(0, Array.IndexOf(TabNames, (Tab ?? (Commit is null ? "files" : "commits")).ToLowerInvariant()));

    private string ModeText => repository!.Mode switch
    {
        RepositoryMode.Mirror => "Mirror",
        RepositoryMode.Migrated => "Migrated",
        _ => "Hosted",
    };

    private BadgeStyle ModeStyle => repository!.Mode == RepositoryMode.Mirror ? BadgeStyle.Info : BadgeStyle.Secondary;

    protected override async Task OnParametersSetAsync()
    {
        var user = (await AuthenticationState).User;
        userId = user.FindFirstValue(ClaimTypes.NameIdentifier);
        userName = user.Identity?.Name;
        // A tab or query change keeps the tabs as they are (a click on "… and N more" must not be lost to a rebuild);
        // another repository, or a sync or settings change (below), rebuilds them from fresh data.
        var shown = (Owner, Name);
        await ReloadAsync(rebuildTabs: shown != loadedFor);
        loadedFor = shown;
    }

    private Task ReloadAsync() => ReloadAsync(rebuildTabs: true);

    private async Task ReloadAsync(bool rebuildTabs)
    {
        var access = ScopedServices.GetRequiredService<RepositoryAccess>();
        var found = await access.FindAsync(Owner, Name);
        role = found is null ? RepositoryRole.None : await access.RoleAsync(found, userId);
        // Unreadable looks exactly like missing.
        repository = role == RepositoryRole.None ? null : found;
        sync = repository is null ? null : await ScopedServices.GetRequiredService<SyncRequestService>().GetStateAsync(repository.Id);
        empty = repository is null || !await ScopedServices.GetRequiredService<RepositoryContents>().IsEmptyAsync(repository.Id) ? null
            : repository.Mode != RepositoryMode.Hosted && sync?.LastSuccessAt is null ? EmptyRepository.EmptyState.Importing
            : repository.Mode == RepositoryMode.Mirror ? EmptyRepository.EmptyState.EmptyUpstream
            : EmptyRepository.EmptyState.NothingPushed;
        if (rebuildTabs)
        {
            activityVersion++;
        }

        loading = false;
    }

    private void OnTabChange(int index)
    {
        var tab = TabNames[Math.Clamp(index, 0, TabNames.Length - 1)];
        Navigation.NavigateTo(Navigation.GetUriWithQueryParameters(new Dictionary<string, object?>
        {
            ["tab"] = tab,
            ["commit"] = null,
            ["page"] = null,
            ["path"] = tab == "files" ? Path : null,
            ["run"] = null,
            ["compare"] = null,
            ["view"] = null,
            ["base"] = null,
            ["head"] = null,
        }));
    }
}
