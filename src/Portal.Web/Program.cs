using Portal.Core.Hosting;
using Portal.Core.Jobs;
using Portal.Core.Mirroring;
using Portal.Core.PushMirrors;
using Portal.Core.Repositories;
using Portal.Core.Upstreams;
using Portal.Core.Webhooks;
using Portal.Web.Api;
using Portal.Web.Authentication;
using Portal.Web.Browsing;
using Portal.Web.GitHttp;
using Portal.Web.Hosting;
using Portal.Web.Remotes;
using Portal.Web.Webhooks;

var builder = WebApplication.CreateBuilder(args);
// Radzen's files and the scoped-CSS bundle come from the build output's static web assets manifest when Portal runs
// unpublished (scripts/run), in every environment; published output carries them itself and has no manifest to read.
builder.WebHost.UseStaticWebAssets();

builder.Services
    .AddPortalData(builder.Configuration)
    .AddPortalDomain()
    .AddPortalGit()
    .AddOutboundConnections()
    .AddUpstreams()
    .AddJobs()
    .AddRepositories()
    .AddMirroring()
    .AddPushMirrors()
    .AddWebhooks()
    .AddHostedGit()
    .AddDvcStorage()
    .AddMlflowArtifacts()
    .AddExperimentTracking()
    .AddPortalAuthentication()
    .AddPortalApi()
    .AddPortalReverseProxy()
    .AddPortalUi()
    .AddIdleMemoryTrimmer();

var app = builder.Build();

app.UsePortalPipeline();
app.MapHealthEndpoints();
app.MapPortalApi();
app.MapGitSmartHttp();
app.MapRawFiles();
app.MapDataFiles();
app.MapArtifactFiles();
app.MapUpstreamWebhooks();
app.MapDvcRemote();
app.MapMlflowArtifacts();
app.MapMlflowRemote();
app.MapPortalUi();

app.Run();

/// <summary>The entry point, visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
