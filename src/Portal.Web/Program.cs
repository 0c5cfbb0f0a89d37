using Portal.Core.Hosting;
using Portal.Web.Api;
using Portal.Web.Authentication;
using Portal.Web.GitHttp;
using Portal.Web.Hosting;
using Portal.Web.Remotes;

var builder = WebApplication.CreateBuilder(args);

builder.Services
    .AddPortalData(builder.Configuration)
    .AddPortalDomain()
    .AddPortalGit()
    .AddOutboundConnections()
    .AddMirroring()
    .AddPortalAuthentication()
    .AddPortalApi()
    .AddGitSmartHttp()
    .AddPortalUi();

var app = builder.Build();

app.UsePortalPipeline();
app.MapHealthEndpoints();
app.MapPortalApi();
app.MapGitSmartHttp();
app.MapDvcRemote();
app.MapMlflowRemote();
app.MapPortalUi();

app.Run();

/// <summary>The entry point, visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
