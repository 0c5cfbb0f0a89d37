using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using Portal.Testing;

namespace Portal.Tests.Hardening;

/// <summary>Portal started by README's own command, scripts/run, as a person would start it.</summary>
public sealed class RunScriptFixture : IAsyncLifetime
{
    public const string AdminName = "run-admin";
    public const string AdminPassword = "run-admin-password";

    public PortalProcess Portal { get; private set; } = default!;

    public async Task InitializeAsync() =>
        Portal = await PortalProcess.StartRunScriptAsync(new Dictionary<string, string>
        {
            ["Portal:Admin:UserName"] = AdminName,
            ["Portal:Admin:Password"] = AdminPassword,
        });

    public Task DisposeAsync() => Portal.DisposeAsync().AsTask();
}

/// <summary>
/// scripts/run means Production: the pages' CSS and scripts (Radzen's _content, the scoped-CSS bundle, blazor.web.js,
/// /assets) are served with their real content, and errors reach nobody with a stack trace or exception name.
/// </summary>
[Trait("Category", "Hardening")]
public sealed partial class ProductionHostingTests(RunScriptFixture fixture) : IClassFixture<RunScriptFixture>
{
    [Fact]
    public void TheRunScript_StartsPortalInProduction() =>
        Assert.Contains(fixture.Portal.Log, line => line.Contains("Hosting environment: Production", StringComparison.Ordinal));

    [Fact]
    public async Task EveryStylesheetAndScriptTheHomePageReferences_IsServed_WithContent()
    {
        using var client = new HttpClient { BaseAddress = fixture.Portal.BaseAddress };
        var home = await client.GetStringAsync("");
        var references = AssetReference().Matches(home).Select(m => m.Groups["url"].Value).Distinct().ToList();

        Assert.Contains(references, r => r.StartsWith("_content/Radzen.Blazor/", StringComparison.Ordinal) && r.Contains(".css", StringComparison.Ordinal));
        Assert.Contains(references, r => r.StartsWith("_content/Radzen.Blazor/", StringComparison.Ordinal) && r.EndsWith(".js", StringComparison.Ordinal));
        Assert.Contains(references, r => r.EndsWith(".styles.css", StringComparison.Ordinal));
        Assert.Contains("_framework/blazor.web.js", references);
        Assert.Contains("assets/app.css", references);
        foreach (var reference in references)
        {
            var response = await client.GetAsync(reference);
            var body = await response.Content.ReadAsByteArrayAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{reference}: {response.StatusCode}");
            // Without static web assets outside Development, these answer 200 with an empty body.
            Assert.True(body.Length > 100, $"{reference}: {body.Length} bytes");
            Assert.Matches("css|javascript|svg|font|woff", response.Content.Headers.ContentType?.MediaType ?? "");
        }
    }

    [Fact]
    public async Task AnUnknownPage_ShowsTheNotFoundPage_WithoutAStackTrace()
    {
        using var client = new HttpClient { BaseAddress = fixture.Portal.BaseAddress };

        var response = await client.GetAsync("no/such/page/here");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("Page not found", body);
        AssertNoDetails(body);
    }

    [Fact]
    public async Task AnUnreadableApiRequest_IsAPlainProblem_NotADeveloperErrorPage()
    {
        using var client = new HttpClient { BaseAddress = fixture.Portal.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{RunScriptFixture.AdminName}:{RunScriptFixture.AdminPassword}")));

        // In Development a body that is not JSON throws out of the endpoint into the developer exception page.
        var response = await client.PostAsync("api/v1/repos", new StringContent("{\"mode\": ", Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        AssertNoDetails(body);
    }

    private static void AssertNoDetails(string body)
    {
        Assert.DoesNotContain("Exception", body);
        Assert.DoesNotContain("   at ", body);
        Assert.DoesNotContain(".cs:line", body);
    }

    [GeneratedRegex("""<(?:link[^>]*rel="stylesheet"[^>]*href|script[^>]*src)="(?<url>[^"]+)"|"\./(?<url>_content/[^"]+\.js)"|href="(?<url>_content/[^"]+\.woff2)""")]
    private static partial Regex AssetReference();
}
