using Microsoft.Extensions.FileProviders;
using Portal.Web.Components;
using Portal.Web.Components.Account;
using Radzen;

namespace Portal.Web.Hosting;

public static class PortalUiExtensions
{
    public static IServiceCollection AddPortalUi(this IServiceCollection services)
    {
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddRadzenComponents();
        return services;
    }

    /// <summary>Error pages, static assets, authentication and antiforgery, in the order they must run.</summary>
    public static WebApplication UsePortalPipeline(this WebApplication app)
    {
        // First: everything after it (limits per client address, URLs built from the scheme and host) sees the real client.
        app.UseKnownProxies();
        // Outside Development no stack trace reaches a response: the error page says what happened and gives a request id.
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/Error", createScopeForErrors: true);
        }

        // API and git clients get problem details for bare status codes; people get the not-found page.
        app.UseWhen(
            context => context.Request.Path.StartsWithSegments("/api"),
            api => api.UseStatusCodePages());
        // Only GET and HEAD re-execute: replaying a POST would read (and re-validate) its form a second time.
        app.UseWhen(
            context => !context.Request.Path.StartsWithSegments("/api") && (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method)),
            pages => pages.UseStatusCodePagesWithReExecute("/not-found"));

        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = new PhysicalFileProvider(Path.Combine(AppContext.BaseDirectory, "assets")),
            RequestPath = "/assets",
        });

        // Routing after the static files: otherwise /assets/logo.svg matches the /{owner}/{name} page first, and the
        // static file middleware leaves requests that already have an endpoint alone.
        app.UseRouting();
        app.UseRequestBodyLimits();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        return app;
    }

    public static WebApplication MapPortalUi(this WebApplication app)
    {
        app.MapStaticAssets();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        app.MapIdentityEndpoints();
        return app;
    }
}
